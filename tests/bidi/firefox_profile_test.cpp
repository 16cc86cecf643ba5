// Profile preparation and the pure launcher parts: no browser started.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "browser/bidi/firefox_profile.hpp"
#include "browser/bidi/launcher.hpp"
#include "tests/browser/scratch_dir.hpp"

using namespace camoufleet::bidi;
using camoufleet::core::driver_error;
using camoufleet::core::failure_kind;
using camoufleet::browser::testing::scratch_dir;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void spit(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
bool exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}
}  // namespace

TEST_CASE("firefox profile: user.js has the quiet-start prefs, software webrender only when asked") {
  std::string plain = user_js_text(default_prefs(false));
  CHECK(plain.find("user_pref(\"browser.startup.homepage\", \"about:blank\");") != std::string::npos);
  CHECK(plain.find("user_pref(\"app.update.disabledForTesting\", true);") != std::string::npos);
  CHECK(plain.find("gfx.webrender.software") == std::string::npos);
  std::string xvfb = user_js_text(default_prefs(true));
  CHECK(xvfb.find("user_pref(\"gfx.webrender.software\", true);") != std::string::npos);

  scratch_dir dir;
  write_user_js(dir.path, {{"a.b", "1"}});
  CHECK(slurp(dir.path + "/user.js").find("user_pref(\"a.b\", 1);") != std::string::npos);
  struct stat st{};
  REQUIRE(::stat((dir.path + "/user.js").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("firefox profile: a stale lock is removed, a live one refuses") {
  scratch_dir dir;
  // What a SIGKILLed Firefox leaves: lock -> "127.0.0.1:+<dead pid>", .parentlock.
  REQUIRE(::symlink("127.0.0.1:+999999999", (dir.path + "/lock").c_str()) == 0);
  spit(dir.path + "/.parentlock", "");
  CHECK(remove_stale_lock(dir.path));
  CHECK_FALSE(exists(dir.path + "/lock"));
  CHECK_FALSE(exists(dir.path + "/.parentlock"));
  CHECK_FALSE(remove_stale_lock(dir.path));  // nothing left to remove

  // A recycled pid (this test binary, whose command line does not name the
  // dir) is not the browser that locked it: still stale.
  REQUIRE(::symlink(("127.0.0.1:+" + std::to_string(::getpid())).c_str(), (dir.path + "/lock").c_str()) == 0);
  CHECK(remove_stale_lock(dir.path));

  // A live process started on this profile holds it: refused, left alone.
  const std::string held = dir.path + "/.parentlock";
  spit(held, "");
  pid_t holder = ::fork();
  REQUIRE(holder >= 0);
  if (holder == 0) {
    ::execl("/usr/bin/tail", "tail", "-f", held.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  struct reap {
    pid_t pid;
    ~reap() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reaper{holder};
  REQUIRE(::symlink(("127.0.0.1:+" + std::to_string(holder)).c_str(), (dir.path + "/lock").c_str()) == 0);
  // Wait (bounded) until the child has exec'd, so its command line is tail's.
  for (int i = 0; i < 500; ++i) {
    if (slurp("/proc/" + std::to_string(holder) + "/cmdline").find(dir.path) != std::string::npos) break;
    ::usleep(10000);
  }
  try {
    remove_stale_lock(dir.path);
    FAIL("no throw");
  } catch (const driver_error& e) {
    CHECK(std::string(e.what()).find("in use by running process " + std::to_string(holder)) != std::string::npos);
  }
  CHECK(exists(dir.path + "/lock"));
  CHECK(exists(dir.path + "/.parentlock"));
}

TEST_CASE("firefox profile: the fingerprint must be a JSON object") {
  scratch_dir dir;
  spit(dir.path + "/ok.json", "{\n  \"navigator.userAgent\": \"Mozilla/5.0 \\u00e9\",\n  \"screen.width\": 1920\n}\n");
  std::string compact = read_fingerprint(dir.path + "/ok.json");
  CHECK(nlohmann::json::parse(compact) == nlohmann::json::parse(slurp(dir.path + "/ok.json")));
  CHECK(compact.find('\n') == std::string::npos);
  for (char ch : compact) CHECK(static_cast<unsigned char>(ch) < 0x80);  // ASCII: chunks split anywhere

  spit(dir.path + "/bad.json", "{\"screen.width\": 19");
  try {
    read_fingerprint(dir.path + "/bad.json");
    FAIL("no throw");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::invalid_profile);
    CHECK(std::string(e.what()).find(dir.path + "/bad.json: the Camoufox fingerprint is not valid JSON") == 0);
  }
  spit(dir.path + "/array.json", "[1]");
  CHECK_THROWS_AS(read_fingerprint(dir.path + "/array.json"), driver_error);
  CHECK_THROWS_AS(read_fingerprint(dir.path + "/missing.json"), driver_error);
}

TEST_CASE("firefox profile: CAMOU_CONFIG chunks of 32767 characters reassemble") {
  std::string big(70000, 'x');
  auto env = camou_config_env(big);
  REQUIRE(env.size() == 3);
  CHECK(env[0].first == "CAMOU_CONFIG_1");
  CHECK(env[2].first == "CAMOU_CONFIG_3");
  CHECK(env[0].second.size() == 32767);
  CHECK(env[1].second.size() == 32767);
  CHECK(env[2].second.size() == 70000 - 2 * 32767);
  CHECK(env[0].second + env[1].second + env[2].second == big);
  CHECK(camou_config_env("{}").size() == 1);
  CHECK(camou_config_env("").empty());
}

TEST_CASE("firefox launcher: arguments, environment, endpoint line, loopback") {
  firefox_options o;
  CHECK(firefox_args(o, "/p") ==
        std::vector<std::string>{"-headless", "-no-remote", "-profile", "/p", "--remote-debugging-port", "0"});
  o.display = camoufleet::browser::display_mode::virtual_display;
  o.x_display = ":99";
  o.extra_args = {"-foo"};
  CHECK(firefox_args(o, "/p") ==
        std::vector<std::string>{"-no-remote", "-profile", "/p", "--remote-debugging-port", "0", "-foo"});
  CHECK(firefox_env(o, "") == env_list{{"DISPLAY", ":99"}});
  o.display = camoufleet::browser::display_mode::headless;
  CHECK(firefox_env(o, "{\"a\":1}") == env_list{{"MOZ_HEADLESS", "1"}, {"CAMOU_CONFIG_1", "{\"a\":1}"}});

  CHECK(bidi_endpoint_from_line("WebDriver BiDi listening on ws://127.0.0.1:46719") == "ws://127.0.0.1:46719");
  CHECK(bidi_endpoint_from_line("1764940000 WebDriver BiDi listening on ws://127.0.0.1:5 trailing") ==
        "ws://127.0.0.1:5");
  CHECK(bidi_endpoint_from_line("*** You are running in headless mode.").empty());
  CHECK(bidi_endpoint_from_line("DevTools listening on ws://127.0.0.1:9/devtools/browser/x").empty());

  CHECK(is_loopback_endpoint("ws://127.0.0.1:46719"));
  CHECK(is_loopback_endpoint("ws://localhost:46719"));
  CHECK(is_loopback_endpoint("ws://[::1]:46719"));
  CHECK_FALSE(is_loopback_endpoint("ws://0.0.0.0:46719"));
  CHECK_FALSE(is_loopback_endpoint("ws://192.168.1.2:46719"));
  CHECK_FALSE(is_loopback_endpoint("garbage"));
}
