// parse_settings: what a successful parse reads, and the precedence of
// command line > environment > .env > default.
#include <doctest/doctest.h>

#include <filesystem>

#include "config/settings_parser.hpp"
#include "parse_fixture.hpp"

using namespace camoufleet::config;
using namespace camoufleet::config::test;
namespace fs = std::filesystem;

// --- successful parses -------------------------------------------------------

TEST_CASE("no arguments give the documented defaults") {
  parse_fixture f;
  auto r = f.parse({});
  check_ok(r);
  const settings d;
  const auto& s = r.value;
  CHECK(s.cmd == command::serve);
  CHECK(s.multi == false);
  CHECK(s.display == display_mode::headless);
  CHECK(s.host == "127.0.0.1");
  CHECK(s.port == 2048);
  CHECK(s.auth_dir == "auth_profiles/active");
  CHECK(s.browser == "chromium");
  CHECK(s.kind == browser_kind::chromium);
  CHECK(s.base_port == 9222);
  CHECK(s.site_url == d.site_url);
  CHECK(s.site_file.empty());
  CHECK(s.api_keys_file.empty());
  CHECK(s.api_keys.empty());
  CHECK(s.monitor_interval == std::chrono::seconds(30));
  CHECK(s.request_timeout == std::chrono::seconds(300));
  CHECK(s.queue_timeout == std::chrono::seconds(120));
  CHECK(s.queue_limit == 100);
  CHECK(s.max_retries == 2);
  CHECK(s.ws_endpoint.empty());
  CHECK(s.log_level == "info");
  CHECK(s.shutdown_grace == std::chrono::seconds(30));
  CHECK(s.max_request_bytes == 4u * 1024 * 1024);
  CHECK(s.http_threads == 2);
  CHECK(s.profile_root.empty());
  CHECK(r.warnings.empty());
}

TEST_CASE("every value option is read from the command line") {
  parse_fixture f;
  f.dir.mkdir("profiles");
  f.dir.mkdir("tmp-profiles");
  auto site = f.dir.write("site.json", "{}");
  auto r = f.parse({"--host", "0.0.0.0", "--port", "3000", "--auth-dir", "profiles",
                    "--saved-dir", "kept", "--browser", "/usr/bin/chromium", "--base-port",
                    "9300", "--site-url", "http://127.0.0.1:8080/prompts/new_chat", "--site-file",
                    site, "--monitor-interval", "5", "--request-timeout", "60", "--queue-timeout",
                    "10", "--queue-limit", "0", "--max-retries", "0", "--log-level", "debug",
                    "--shutdown-grace", "0", "--max-request-bytes", "65536", "--http-threads", "4",
                    "--profile-root", "tmp-profiles", "--multi", "--debug", "--allow-open-api"});
  check_ok(r);
  const auto& s = r.value;
  CHECK(s.host == "0.0.0.0");
  CHECK(s.allow_open_api);
  CHECK(s.port == 3000);
  CHECK(s.auth_dir == "profiles");
  CHECK(s.saved_dir == "kept");
  CHECK(s.browser == "/usr/bin/chromium");
  CHECK(s.base_port == 9300);
  CHECK(s.site_url == "http://127.0.0.1:8080/prompts/new_chat");
  CHECK(s.site_file == site);
  CHECK(s.monitor_interval == std::chrono::seconds(5));
  CHECK(s.request_timeout == std::chrono::seconds(60));
  CHECK(s.queue_timeout == std::chrono::seconds(10));
  CHECK(s.queue_limit == 0);
  CHECK(s.max_retries == 0);
  CHECK(s.log_level == "debug");
  CHECK(s.shutdown_grace == std::chrono::seconds(0));
  CHECK(s.max_request_bytes == 65536u);
  CHECK(s.http_threads == 4);
  CHECK(s.profile_root == "tmp-profiles");
  CHECK(s.multi);
  CHECK(s.display == display_mode::visible);
}

TEST_CASE("--name=value form and the last of a repeated flag win") {
  parse_fixture f;
  auto r = f.parse({"--port=3000", "--port", "3001"});
  check_ok(r);
  CHECK(r.value.port == 3001);
}

TEST_CASE("durations take s, m and h suffixes, sizes take k, M, G") {
  parse_fixture f;
  auto r = f.parse({"--request-timeout", "5m", "--queue-timeout", "1h", "--monitor-interval",
                    "15s", "--max-request-bytes", "64k"});
  check_ok(r);
  CHECK(r.value.request_timeout == std::chrono::seconds(300));
  CHECK(r.value.queue_timeout == std::chrono::seconds(3600));
  CHECK(r.value.monitor_interval == std::chrono::seconds(15));
  CHECK(r.value.max_request_bytes == 64u * 1024);

  auto big = f.parse({"--max-request-bytes", "16M"});
  check_ok(big);
  CHECK(big.value.max_request_bytes == 16u * 1024 * 1024);
}

TEST_CASE("each display flag selects its mode") {
  parse_fixture f;
  CHECK(f.parse({"--headless"}).value.display == display_mode::headless);
  CHECK(f.parse({"--debug"}).value.display == display_mode::visible);
  CHECK(f.parse({"--virtual-display"}).value.display == display_mode::virtual_display);
}

TEST_CASE("CAMOUFLEET_DISPLAY picks the display mode, a display flag beats it") {
  parse_fixture f;
  f.env["CAMOUFLEET_DISPLAY"] = "virtual-display";
  CHECK(f.parse({}).value.display == display_mode::virtual_display);
  CHECK(f.parse({"--headless"}).value.display == display_mode::headless);
  f.env["CAMOUFLEET_DISPLAY"] = "debug";
  CHECK(f.parse({}).value.display == display_mode::visible);
}

TEST_CASE("--browser-kind chromium|firefox|camoufox, and the old names cdp|bidi") {
  parse_fixture f;
  auto r = f.parse({"--browser-kind", "firefox"});
  check_ok(r);
  CHECK(r.value.kind == browser_kind::firefox);
  CHECK(r.value.browser == "firefox-esr");  // a kind alone names its usual executable
  auto c = f.parse({"--browser-kind", "Camoufox", "--browser", "/opt/cf/camoufox-bin"});
  check_ok(c);
  CHECK(c.value.kind == browser_kind::camoufox);
  CHECK(c.value.browser == "/opt/cf/camoufox-bin");
  CHECK(f.parse({"--browser-kind", "camoufox"}).value.browser == "camoufox");
  CHECK(f.parse({"--browser-kind", "bidi"}).value.kind == browser_kind::firefox);
  CHECK(f.parse({"--browser-kind", "cdp"}).value.kind == browser_kind::chromium);
  // The flag wins over the name.
  CHECK(f.parse({"--browser-kind", "chromium", "--browser", "/usr/bin/firefox"}).value.kind == browser_kind::chromium);
}

TEST_CASE("--browser-kind is detected from the executable's name when not given") {
  parse_fixture f;
  CHECK(f.parse({"--browser", "/usr/bin/firefox-esr"}).value.kind == browser_kind::firefox);
  CHECK(f.parse({"--browser", "/opt/camoufox/camoufox"}).value.kind == browser_kind::camoufox);
  CHECK(f.parse({"--browser", "/usr/bin/chromium"}).value.kind == browser_kind::chromium);
  CHECK(f.parse({}).value.kind == browser_kind::chromium);
  CHECK(detect_browser_kind("/home/me/Camoufox.AppImage") == browser_kind::camoufox);
  CHECK(detect_browser_kind("firefox") == browser_kind::firefox);
  CHECK(detect_browser_kind("/usr/bin/google-chrome") == browser_kind::chromium);
  // A directory called firefox does not make chromium a firefox.
  CHECK(detect_browser_kind("/opt/firefox/../chromium") == browser_kind::chromium);
}

TEST_CASE("--ws-endpoint and CAMOUFOX_WS_ENDPOINT") {
  parse_fixture f;
  auto r = f.parse({"--ws-endpoint", "ws://127.0.0.1:9999/abc"});
  check_ok(r);
  CHECK(r.value.ws_endpoint == "ws://127.0.0.1:9999/abc");

  f.env["CAMOUFOX_WS_ENDPOINT"] = "wss://example.test/browser";
  auto from_env = f.parse({});
  check_ok(from_env);
  CHECK(from_env.value.ws_endpoint == "wss://example.test/browser");
}

TEST_CASE("MULTI_INSTANCE_MODE accepts true, false, 1 and 0 in any case") {
  parse_fixture f;
  for (std::string yes : {"true", "TRUE", "True", "1", "yes", "on"}) {
    f.env["MULTI_INSTANCE_MODE"] = yes;
    auto r = f.parse({});
    INFO("value: " << yes);
    check_ok(r);
    CHECK(r.value.multi);
  }
  for (std::string no : {"false", "FALSE", "0", "no", "off"}) {
    f.env["MULTI_INSTANCE_MODE"] = no;
    auto r = f.parse({});
    INFO("value: " << no);
    check_ok(r);
    CHECK_FALSE(r.value.multi);
  }
  // The flag turns it on whatever the environment says.
  f.env["MULTI_INSTANCE_MODE"] = "false";
  CHECK(f.parse({"--multi"}).value.multi);
}

// --- precedence --------------------------------------------------------------

TEST_CASE("precedence: command line > environment > .env > default") {
  parse_fixture f;
  CHECK(f.parse({}).value.port == 2048);

  f.write_dotenv("# deployment\nPORT=3001\n");
  CHECK(f.parse({}).value.port == 3001);

  f.env["PORT"] = "3002";
  CHECK(f.parse({}).value.port == 3002);

  CHECK(f.parse({"--port", "3003"}).value.port == 3003);
}

TEST_CASE("precedence holds for strings, flags and CAMOUFLEET_* names too") {
  parse_fixture f;
  f.write_dotenv(
      "CAMOUFLEET_HOST=127.0.0.11\n"
      "MULTI_INSTANCE_MODE=true\n"
      "CAMOUFLEET_LOG_LEVEL='warn'\n"
      "CAMOUFLEET_LOG_FORMAT=JSON\n"
      "CAMOUFLEET_QUEUE_LIMIT=\"7\"\n"
      "SOMETHING_ELSE=ignored\n");
  auto r = f.parse({});
  check_ok(r);
  CHECK(r.value.host == "127.0.0.11");
  CHECK(r.value.multi);
  CHECK(r.value.log_level == "warn");
  CHECK(r.value.log_format == "json");
  CHECK(r.value.queue_limit == 7);

  f.env["CAMOUFLEET_HOST"] = "127.0.0.12";
  f.env["MULTI_INSTANCE_MODE"] = "0";
  auto env = f.parse({});
  check_ok(env);
  CHECK(env.value.host == "127.0.0.12");
  CHECK_FALSE(env.value.multi);
  CHECK(env.value.log_level == "warn");  // still from .env

  auto cli = f.parse({"--host", "127.0.0.13", "--log-level", "error", "--log-format", "text"});
  check_ok(cli);
  CHECK(cli.value.host == "127.0.0.13");
  CHECK(cli.value.log_level == "error");
  CHECK(cli.value.log_format == "text");
}

TEST_CASE("an empty environment variable counts as unset") {
  parse_fixture f;
  f.write_dotenv("PORT=3001\n");
  f.env["PORT"] = "";
  auto r = f.parse({});
  check_ok(r);
  CHECK(r.value.port == 3001);
}

TEST_CASE("no .env path means no .env is read") {
  parse_fixture f;
  f.write_dotenv("PORT=3001\n");
  f.dotenv_path = "";
  CHECK(f.parse({}).value.port == 2048);
}
