#include <doctest/doctest.h>

#include "config/settings_parser.hpp"

using namespace camoufleet::config;

namespace {
bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
}  // namespace

TEST_CASE("validate: the defaults are valid") { CHECK(validate(settings{}) == ""); }

TEST_CASE("validate: port bounds are inclusive") {
  settings s;
  s.port = 1;
  CHECK(validate(s) == "");
  s.port = 65535;
  CHECK(validate(s) == "");
  s.port = 65536;
  CHECK(validate(s) == "--port: 65536 is out of range 0-65535");
  s.port = -1;
  CHECK(validate(s) == "--port: -1 is out of range 0-65535");
}

TEST_CASE("validate: base port must leave the privileged range alone") {
  settings s;
  s.base_port = 1023;
  CHECK(validate(s) == "--base-port: 1023 is out of range 1024-65535");
  s.base_port = 1024;
  CHECK(validate(s) == "");
}

TEST_CASE("validate: API port and first DevTools port must differ unless attached") {
  settings s;
  s.port = s.base_port;
  CHECK(starts_with(validate(s), "--port: 9222"));
  s.ws_endpoint = "ws://127.0.0.1:9222/devtools/browser/x";
  CHECK(validate(s) == "");
}

TEST_CASE("validate: ws endpoint scheme and --multi") {
  settings s;
  s.ws_endpoint = "ws://h:1/x";
  CHECK(validate(s) == "");
  s.ws_endpoint = "wss://h/x";
  CHECK(validate(s) == "");
  s.ws_endpoint = "tcp://h:1";
  CHECK(starts_with(validate(s), "--ws-endpoint: \"tcp://h:1\""));
  s.ws_endpoint = "ws://h:1/x";
  s.multi = true;
  CHECK(starts_with(validate(s), "--ws-endpoint: cannot be combined with --multi"));
}

TEST_CASE("validate: site url scheme") {
  settings s;
  s.site_url = "http://127.0.0.1:8000/prompts/new_chat";
  CHECK(validate(s) == "");
  s.site_url = "aistudio.google.com";
  CHECK(starts_with(validate(s), "--site-url: "));
}

TEST_CASE("validate: log levels") {
  settings s;
  for (const char* l : {"trace", "debug", "info", "warn", "error", "off"}) {
    s.log_level = l;
    CHECK(validate(s) == "");
  }
  s.log_level = "warning";
  CHECK(starts_with(validate(s), "--log-level: \"warning\""));
}

TEST_CASE("validate: log formats") {
  settings s;
  CHECK(s.log_format == "text");
  s.log_format = "json";
  CHECK(validate(s) == "");
  s.log_format = "logfmt";
  CHECK(validate(s) == "--log-format: \"logfmt\" is not one of text, json");
}

TEST_CASE("validate: durations and counts") {
  using std::chrono::seconds;
  settings s;
  s.monitor_interval = seconds(0);
  CHECK(starts_with(validate(s), "--monitor-interval: 0 is out of range"));
  s = settings{};
  s.request_timeout = seconds(0);
  CHECK(starts_with(validate(s), "--request-timeout: 0"));
  s = settings{};
  s.queue_timeout = seconds(86401);
  CHECK(starts_with(validate(s), "--queue-timeout: 86401"));
  s = settings{};
  s.shutdown_grace = seconds(0);
  CHECK(validate(s) == "");
  s.shutdown_grace = seconds(-1);
  CHECK(starts_with(validate(s), "--shutdown-grace: -1"));
  s = settings{};
  s.queue_limit = -1;
  CHECK(starts_with(validate(s), "--queue-limit: -1"));
  s = settings{};
  s.max_retries = -1;
  CHECK(starts_with(validate(s), "--max-retries: -1"));
  s = settings{};
  s.http_threads = 65;
  CHECK(starts_with(validate(s), "--http-threads: 65"));
  s = settings{};
  s.max_request_bytes = 1023;
  CHECK(starts_with(validate(s), "--max-request-bytes: 1023"));
}

TEST_CASE("validate: empty names") {
  settings s;
  s.host = "";
  CHECK(validate(s) == "--host: must not be empty");
  s = settings{};
  s.browser = "";
  CHECK(validate(s) == "--browser: must not be empty");
  s = settings{};
  s.auth_dir = "";
  CHECK(validate(s) == "--auth-dir: must not be empty");
}

TEST_CASE("validate: login needs a plain profile name") {
  settings s;
  s.cmd = command::login;
  CHECK(starts_with(validate(s), "--save-as: login needs a profile name"));
  for (const char* good : {"alice", "team-b_2", "work.main"}) {
    s.login_save_as = good;
    CHECK(validate(s) == "");
  }
  for (std::string bad : {"a/b", "..", ".hidden", "-x", "with space", "a\\b"}) {
    s.login_save_as = bad;
    INFO("name: " << bad);
    CHECK(starts_with(validate(s), "--save-as: "));
  }
  s.login_save_as = std::string(65, 'a');
  CHECK(starts_with(validate(s), "--save-as: "));
  s.login_save_as = "alice";
  s.login_timeout = std::chrono::seconds(0);
  CHECK(starts_with(validate(s), "--timeout: 0"));
}

TEST_CASE("validate: login fields are not checked when serving") {
  settings s;
  s.login_save_as = "../bad";
  s.login_timeout = std::chrono::seconds(0);
  CHECK(validate(s) == "");
}
