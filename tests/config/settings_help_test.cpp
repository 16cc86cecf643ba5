// parse_settings' --help and --version, and the `login` subcommand's options.
#include <doctest/doctest.h>

#include <filesystem>

#include "config/settings_parser.hpp"
#include "parse_fixture.hpp"

using namespace camoufleet::config;
using namespace camoufleet::config::test;
namespace fs = std::filesystem;

// --- help and version ----------------------------------------------------------

TEST_CASE("--help lists every flag with its default and exits 0") {
  parse_fixture f;
  auto r = f.parse({"--help"});
  CHECK(r.exit_now);
  CHECK(r.exit_code == 0);
  for (std::string flag :
       {"--multi", "--headless", "--debug", "--virtual-display", "--host", "--port", "--auth-dir",
        "--saved-dir", "--browser", "--browser-kind", "--base-port", "--site-url", "--site-file",
        "--api-keys", "--monitor-interval", "--request-timeout", "--queue-timeout",
        "--queue-limit", "--max-retries", "--ws-endpoint", "--log-level", "--shutdown-grace",
        "--max-request-bytes", "--http-threads", "--profile-root", "--rate-limit-cooldown",
        "--quota-cooldown", "--allow-open-api", "--version", "login"}) {
    INFO("flag: " << flag);
    CHECK(contains(r.output, flag));
  }
  // Each default sits right after its flag ("--port PORT=2048").
  for (std::string def :
       {"--host ADDR=127.0.0.1", "--port PORT=2048", "--auth-dir DIR=auth_profiles/active",
        "--saved-dir DIR=auth_profiles/saved", "--browser PATH=chromium",
        "--browser-kind chromium|firefox|camoufox=from --browser's name", "--base-port PORT=9222",
        "--site-url URL=https://aistudio.google.com/prompts/new_chat",
        "--site-file FILE=built-in", "--api-keys FILE=auth_profiles/key.txt if present",
        "--monitor-interval SECONDS=30", "--request-timeout SECONDS=300",
        "--queue-timeout SECONDS=120", "--queue-limit N=100", "--max-retries N=2",
        "--ws-endpoint URL=none", "--log-level LEVEL=info", "--shutdown-grace SECONDS=30",
        "--max-request-bytes BYTES=4M", "--http-threads N=2",
        "--profile-root DIR=system temp dir", "--rate-limit-cooldown SECONDS=300",
        "--quota-cooldown SECONDS=14400"}) {
    INFO("default: " << def);
    CHECK(contains(r.output, def));
  }
  for (std::string env : {"(env PORT)", "(env MULTI_INSTANCE_MODE)", "(env CAMOUFOX_WS_ENDPOINT)",
                          "CAMOUFLEET_DISPLAY"}) {
    INFO("env: " << env);
    CHECK(contains(r.output, env));
  }
}

TEST_CASE("login --help shows the login options") {
  parse_fixture f;
  auto r = f.parse({"login", "--help"});
  CHECK(r.exit_now);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "--save-as"));
  CHECK(contains(r.output, "--activate"));
  CHECK(contains(r.output, "--timeout"));
}

TEST_CASE("--version prints the version and exits 0") {
  parse_fixture f;
  auto r = f.parse({"--version"});
  CHECK(r.exit_now);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.output, "camoufleet "));
}

// --- login -------------------------------------------------------------------

TEST_CASE("login --save-as NAME --activate --timeout S") {
  parse_fixture f;
  auto r = f.parse({"login", "--save-as", "alice", "--activate", "--timeout", "60"});
  check_ok(r);
  CHECK(r.value.cmd == command::login);
  CHECK(r.value.login_save_as == "alice");
  CHECK(r.value.login_activate);
  CHECK(r.value.login_timeout == std::chrono::seconds(60));
  // Someone has to see the window to sign in.
  CHECK(r.value.display == display_mode::visible);
}

TEST_CASE("login takes the browser options before or after the subcommand") {
  parse_fixture f;
  auto r = f.parse({"--browser", "/opt/chrome", "login", "--save-as", "bob.json", "--headless",
                    "--site-url", "http://127.0.0.1:5000/prompts/new_chat"});
  check_ok(r);
  CHECK(r.value.cmd == command::login);
  CHECK(r.value.login_save_as == "bob");  // ".json" dropped
  CHECK_FALSE(r.value.login_activate);
  CHECK(r.value.browser == "/opt/chrome");
  CHECK(r.value.display == display_mode::headless);
  CHECK(r.value.site_url == "http://127.0.0.1:5000/prompts/new_chat");
}

TEST_CASE("login without --activate does not need the auth dir") {
  parse_fixture f;
  check_ok(f.parse({"--auth-dir", "missing", "login", "--save-as", "carol"}));
  check_error(f.parse({"--auth-dir", "missing", "login", "--save-as", "carol", "--activate"}),
              "--auth-dir");
}
