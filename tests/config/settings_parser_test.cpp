#include <doctest/doctest.h>

#include <filesystem>

#include "config/settings_parser.hpp"
#include "parse_fixture.hpp"

using namespace camoufleet::config;
using camoufleet::config::test::error_line;
using camoufleet::config::test::parse_fixture;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// A failed parse: exit 2, stop now, exactly one line starting with "error: ".
void check_error(const parse_result& r, const std::string& expected_part) {
  CHECK(r.exit_code == 2);
  CHECK(r.exit_now);
  CHECK(camoufleet::config::test::one_line(r.output));
  CHECK(r.output.rfind("error: ", 0) == 0);
  INFO("output: " << r.output);
  CHECK(contains(r.output, expected_part));
}

void check_ok(const parse_result& r) {
  INFO("output: " << r.output);
  CHECK(r.exit_code == 0);
  CHECK_FALSE(r.exit_now);
  CHECK(r.output.empty());
}

}  // namespace

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
      "CAMOUFLEET_QUEUE_LIMIT=\"7\"\n"
      "SOMETHING_ELSE=ignored\n");
  auto r = f.parse({});
  check_ok(r);
  CHECK(r.value.host == "127.0.0.11");
  CHECK(r.value.multi);
  CHECK(r.value.log_level == "warn");
  CHECK(r.value.queue_limit == 7);

  f.env["CAMOUFLEET_HOST"] = "127.0.0.12";
  f.env["MULTI_INSTANCE_MODE"] = "0";
  auto env = f.parse({});
  check_ok(env);
  CHECK(env.value.host == "127.0.0.12");
  CHECK_FALSE(env.value.multi);
  CHECK(env.value.log_level == "warn");  // still from .env

  auto cli = f.parse({"--host", "127.0.0.13", "--log-level", "error"});
  check_ok(cli);
  CHECK(cli.value.host == "127.0.0.13");
  CHECK(cli.value.log_level == "error");
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

// --- API keys ----------------------------------------------------------------

TEST_CASE("--api-keys loads one key per line, skipping blanks and comments") {
  parse_fixture f;
  auto path = f.dir.write("keys.txt", "# team keys\nsk-one\n\n  sk-two  \r\n# old: sk-zero\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  auto r = f.parse({"--api-keys", path});
  check_ok(r);
  CHECK(r.value.api_keys_file == path);
  CHECK(r.value.api_keys == std::vector<std::string>{"sk-one", "sk-two"});
  CHECK(r.warnings.empty());
}

TEST_CASE("auth_profiles/key.txt is used by default when present") {
  parse_fixture f;
  auto path = f.dir.write("auth_profiles/key.txt", "sk-default\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  auto r = f.parse({});
  check_ok(r);
  CHECK(r.value.api_keys_file == "auth_profiles/key.txt");
  CHECK(r.value.api_keys == std::vector<std::string>{"sk-default"});
}

TEST_CASE("an explicitly empty --api-keys turns the default key file off") {
  parse_fixture f;
  f.dir.write("auth_profiles/key.txt", "sk-default\n");
  auto r = f.parse({"--api-keys", ""});
  check_ok(r);
  CHECK(r.value.api_keys_file.empty());
  CHECK(r.value.api_keys.empty());
}

TEST_CASE("a key file others can read gives a warning without the keys in it") {
  parse_fixture f;
  auto path = f.dir.write("keys.txt", "sk-secret-value\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  auto r = f.parse({"--api-keys", path});
  check_ok(r);
  REQUIRE(r.warnings.size() == 1);
  CHECK(contains(r.warnings[0], "chmod 600"));
  CHECK_FALSE(contains(r.warnings[0], "sk-secret-value"));
}

TEST_CASE("profiles others can read give one warning naming the files") {
  parse_fixture f;
  auto open_perms = fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read;
  auto closed_perms = fs::perms::owner_read | fs::perms::owner_write;
  fs::permissions(f.dir.write("auth_profiles/active/bob.json", "{}"), open_perms);
  fs::permissions(f.dir.write("auth_profiles/active/alice.json", "{}"), open_perms);
  fs::permissions(f.dir.write("auth_profiles/active/carol.json", "{}"), closed_perms);
  fs::permissions(f.dir.write("auth_profiles/active/notes.txt", "x"), open_perms);
  auto r = f.parse({});
  check_ok(r);
  REQUIRE(r.warnings.size() == 1);
  CHECK(contains(r.warnings[0], "2 profile files"));
  CHECK(contains(r.warnings[0], "(alice.json, bob.json)"));
  CHECK_FALSE(contains(r.warnings[0], "carol"));
  CHECK_FALSE(contains(r.warnings[0], "notes"));

  fs::permissions("auth_profiles/active/alice.json", closed_perms);
  fs::permissions("auth_profiles/active/bob.json", closed_perms);
  CHECK(f.parse({}).warnings.empty());
}

TEST_CASE("describe() names the key count, never a key") {
  parse_fixture f;
  auto path = f.dir.write("keys.txt", "sk-secret-value\nsk-other\n");
  auto r = f.parse({"--api-keys", path});
  check_ok(r);
  auto text = describe(r.value);
  CHECK(contains(text, "api_keys=2"));
  CHECK_FALSE(contains(text, "sk-secret-value"));
  CHECK_FALSE(contains(text, "sk-other"));
}

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
