// parse_settings' errors: each bad setting gives exit 2 and one line that
// names the flag and, when it did not come from the command line, where it came from.
#include <doctest/doctest.h>

#include <filesystem>

#include "config/settings_parser.hpp"
#include "parse_fixture.hpp"

using namespace camoufleet::config;
using namespace camoufleet::config::test;
namespace fs = std::filesystem;

// --- errors: one line, exit 2 --------------------------------------------------

TEST_CASE("unknown flag") {
  parse_fixture f;
  auto r = f.parse({"--frobnicate"});
  check_error(r, "unknown option --frobnicate");
}

TEST_CASE("unexpected positional argument") {
  parse_fixture f;
  check_error(f.parse({"serve-please"}), "serve-please");
}

TEST_CASE("flag missing its value") {
  parse_fixture f;
  check_error(f.parse({"--port"}), "--port: needs a value");
}

TEST_CASE("several unknown flags are listed in the order given") {
  parse_fixture f;
  check_error(f.parse({"--frob", "--nicate"}), "unknown options --frob --nicate");
}

TEST_CASE("a flag given a value that is not a boolean") {
  parse_fixture f;
  check_error(f.parse({"--multi=maybe"}), "--multi: \"maybe\" is not true or false");
}

TEST_CASE("--multi=false on the command line beats MULTI_INSTANCE_MODE=true") {
  parse_fixture f;
  f.env["MULTI_INSTANCE_MODE"] = "true";
  auto r = f.parse({"--multi=false"});
  check_ok(r);
  CHECK_FALSE(r.value.multi);
}

TEST_CASE("port out of range") {
  parse_fixture f;
  auto r = f.parse({"--port", "70000"});
  check_error(r, "--port");
  CHECK(error_line(r) == "error: --port: 70000 is out of range 0-65535");
  check_error(f.parse({"--port", "-1"}), "--port: -1 is out of range 0-65535");
  check_error(f.parse({"--port", "99999999999999999999"}), "--port");
}

TEST_CASE("port 0 asks for any free port") {
  parse_fixture f;
  auto r = f.parse({"--port", "0"});
  check_ok(r);
  CHECK(r.value.port == 0);
}

TEST_CASE("port that is not a number") {
  parse_fixture f;
  check_error(f.parse({"--port", "http"}), "--port: \"http\" is not a whole number");
  check_error(f.parse({"--port", "80x"}), "--port");
}

TEST_CASE("bad PORT from the environment names the variable") {
  parse_fixture f;
  f.env["PORT"] = "70000";
  auto r = f.parse({});
  check_error(r, "--port: 70000 is out of range 0-65535");
  CHECK(contains(r.output, "environment variable PORT"));
}

TEST_CASE("bad PORT from .env names the file") {
  parse_fixture f;
  f.write_dotenv("PORT=abc\n");
  auto r = f.parse({});
  check_error(r, "--port");
  CHECK(contains(r.output, "PORT in .env"));
}

TEST_CASE("base port out of range") {
  parse_fixture f;
  check_error(f.parse({"--base-port", "80"}), "--base-port: 80 is out of range 1024-65535");
}

TEST_CASE("port equal to base port") {
  parse_fixture f;
  check_error(f.parse({"--port", "9222"}), "--port: 9222");
}

TEST_CASE("missing auth dir") {
  parse_fixture f;
  check_error(f.parse({"--auth-dir", "nowhere"}), "--auth-dir: nowhere is not an existing directory");
}

TEST_CASE("default auth dir missing") {
  parse_fixture f;
  fs::remove_all("auth_profiles/active");
  check_error(f.parse({}), "--auth-dir: auth_profiles/active");
}

TEST_CASE("two display modes") {
  parse_fixture f;
  check_error(f.parse({"--debug", "--virtual-display"}), "--debug and --virtual-display");
  check_error(f.parse({"--headless", "--debug"}), "cannot be combined");
}

TEST_CASE("a browser with no window (Chromium's headless shell) serves headless only and signs no one in") {
  parse_fixture f;
  const char* shell = "/usr/bin/chromium-headless-shell";
  check_ok(f.parse({"--browser", shell}));  // headless is the default
  check_ok(f.parse({"--browser", shell, "--headless", "--isolation", "context"}));
  CHECK(f.parse({"--browser", shell}).value.kind == browser_kind::chromium);
  check_error(f.parse({"--browser", shell, "--debug"}), "has no window, so it serves only with --headless");
  check_error(f.parse({"--browser", "/opt/c/headless_shell", "--virtual-display"}), "has no window");
  check_error(f.parse({"login", "--save-as", "x", "--browser", shell}), "cannot sign in");
  CHECK_FALSE(headless_only_browser("/usr/bin/chromium"));
  CHECK(headless_only_browser("/usr/lib/chromium/chromium-headless-shell"));
}

TEST_CASE("bad CAMOUFLEET_DISPLAY") {
  parse_fixture f;
  f.env["CAMOUFLEET_DISPLAY"] = "fullscreen";
  check_error(f.parse({}), "\"fullscreen\"");
}

TEST_CASE("unreadable explicit key file") {
  parse_fixture f;
  check_error(f.parse({"--api-keys", "no-such-keys.txt"}), "--api-keys: cannot read no-such-keys.txt");
}

TEST_CASE("key file that is a directory") {
  parse_fixture f;
  f.dir.mkdir("keys.d");
  check_error(f.parse({"--api-keys", "keys.d"}), "--api-keys: cannot read keys.d");
}

TEST_CASE("a non-loopback --host without API keys is refused unless --allow-open-api") {
  parse_fixture f;
  check_error(f.parse({"--host", "0.0.0.0"}), "--allow-open-api");
  check_error(f.parse({"--host", "192.168.1.20"}), "no API keys are set");
  auto open = f.parse({"--host", "0.0.0.0", "--allow-open-api"});
  check_ok(open);
  CHECK(open.value.allow_open_api);
  auto keys = f.dir.write("keys.txt", "sk-one\n");
  fs::permissions(keys, fs::perms::owner_read | fs::perms::owner_write);
  check_ok(f.parse({"--host", "0.0.0.0", "--api-keys", keys}));
  for (const char* loopback : {"127.0.0.1", "127.0.0.2", "localhost", "::1"})
    check_ok(f.parse({"--host", loopback}));
  // login serves no API.
  check_ok(f.parse({"login", "--save-as", "x", "--host", "0.0.0.0"}));
}

TEST_CASE("key file without keys") {
  parse_fixture f;
  f.dir.write("keys.txt", "# nothing yet\n\n");
  check_error(f.parse({"--api-keys", "keys.txt"}), "holds no keys");
}

TEST_CASE("ws endpoint together with --multi") {
  parse_fixture f;
  check_error(f.parse({"--multi", "--ws-endpoint", "ws://127.0.0.1:9999/x"}),
              "--ws-endpoint: cannot be combined with --multi");
}

TEST_CASE("ws endpoint and multi mode both from the environment") {
  parse_fixture f;
  f.env["CAMOUFOX_WS_ENDPOINT"] = "ws://127.0.0.1:9999/x";
  f.env["MULTI_INSTANCE_MODE"] = "true";
  auto r = f.parse({});
  check_error(r, "--ws-endpoint: cannot be combined with --multi");
  CHECK(contains(r.output, "CAMOUFOX_WS_ENDPOINT"));
}

TEST_CASE("ws endpoint with a bad scheme") {
  parse_fixture f;
  check_error(f.parse({"--ws-endpoint", "http://127.0.0.1:9999/x"}),
              "--ws-endpoint: \"http://127.0.0.1:9999/x\" must start with ws:// or wss://");
}

TEST_CASE("bad log level") {
  parse_fixture f;
  check_error(f.parse({"--log-level", "loud"}), "--log-level: \"loud\" is not one of");
}

TEST_CASE("site url that is not http(s)") {
  parse_fixture f;
  check_error(f.parse({"--site-url", "ftp://aistudio.google.com/"}),
              "--site-url: \"ftp://aistudio.google.com/\" must start with http:// or https://");
}

TEST_CASE("missing site file") {
  parse_fixture f;
  check_error(f.parse({"--site-file", "nope.json"}), "--site-file: nope.json");
}

TEST_CASE("missing profile root") {
  parse_fixture f;
  check_error(f.parse({"--profile-root", "nope"}), "--profile-root: nope");
}

TEST_CASE("bad browser kind") {
  parse_fixture f;
  check_error(f.parse({"--browser-kind", "webkit"}), "--browser-kind: \"webkit\" is not chromium, firefox or camoufox");
}

TEST_CASE("bad MULTI_INSTANCE_MODE") {
  parse_fixture f;
  f.env["MULTI_INSTANCE_MODE"] = "maybe";
  auto r = f.parse({});
  check_error(r, "\"maybe\" is not true, false, 1 or 0");
  CHECK(contains(r.output, "MULTI_INSTANCE_MODE"));
}

TEST_CASE("duration that is not a number") {
  parse_fixture f;
  check_error(f.parse({"--request-timeout", "soon"}), "--request-timeout: \"soon\" is not");
}

TEST_CASE("duration out of range") {
  parse_fixture f;
  check_error(f.parse({"--monitor-interval", "0"}), "--monitor-interval: 0 is out of range");
  check_error(f.parse({"--queue-timeout", "2d"}), "--queue-timeout");
}

TEST_CASE("cooldowns are settings, checked for range") {
  parse_fixture f;
  auto r = f.parse({"--rate-limit-cooldown", "3", "--quota-cooldown", "1h"});
  check_ok(r);
  CHECK(r.value.rate_limit_cooldown == std::chrono::seconds(3));
  CHECK(r.value.quota_cooldown == std::chrono::seconds(3600));
  check_error(f.parse({"--rate-limit-cooldown", "0"}), "--rate-limit-cooldown: 0 is out of range");
  check_error(f.parse({"--quota-cooldown", "8d"}), "--quota-cooldown");
}

TEST_CASE("negative queue limit") {
  parse_fixture f;
  check_error(f.parse({"--queue-limit=-1"}), "--queue-limit: -1 is out of range");
}

TEST_CASE("too many retries") {
  parse_fixture f;
  check_error(f.parse({"--max-retries", "11"}), "--max-retries: 11 is out of range 0-10");
}

TEST_CASE("zero http threads") {
  parse_fixture f;
  check_error(f.parse({"--http-threads", "0"}), "--http-threads: 0 is out of range 1-64");
}

TEST_CASE("request size limit too small") {
  parse_fixture f;
  check_error(f.parse({"--max-request-bytes", "100"}), "--max-request-bytes: 100 is out of range");
  check_error(f.parse({"--max-request-bytes", "lots"}), "--max-request-bytes: \"lots\"");
}

TEST_CASE("malformed .env line") {
  parse_fixture f;
  f.write_dotenv("PORT=3000\nthis line is wrong\n");
  check_error(f.parse({}), ".env: line 2: expected KEY=VALUE");
}

TEST_CASE("login without --save-as") {
  parse_fixture f;
  check_error(f.parse({"login"}), "--save-as: login needs a profile name");
}

TEST_CASE("login with a path as the profile name") {
  parse_fixture f;
  check_error(f.parse({"login", "--save-as", "../escape"}), "--save-as: \"../escape\" is not a plain name");
}

TEST_CASE("login-only flags outside login") {
  parse_fixture f;
  check_error(f.parse({"--save-as", "alice"}), "--save-as");
}
