// Launching firefox-esr (and a stand-in camoufox) for real: every process
// is stopped by pid and every dir removed, also when a check fails.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <boost/filesystem.hpp>
#include <nlohmann/json.hpp>

#include "browser/bidi/launcher.hpp"
#include "tests/bidi/firefox_test_util.hpp"
#include "tests/browser/scratch_dir.hpp"

#ifndef BIDI_ORPHAN_PROBE
#define BIDI_ORPHAN_PROBE "bidi_orphan_probe"
#endif

using namespace camoufleet::bidi;
using namespace camoufleet::bidi::testing;
using camoufleet::core::driver_error;
using camoufleet::core::failure_kind;
using camoufleet::browser::testing::scratch_dir;
using namespace std::chrono_literals;
namespace fs = boost::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_script(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), 0755);
}

// Puts dir first on PATH for the scope.
struct path_prefix {
  std::string old;
  explicit path_prefix(const std::string& dir) {
    const char* p = std::getenv("PATH");
    old = p ? p : "";
    ::setenv("PATH", (dir + ":" + old).c_str(), 1);
  }
  ~path_prefix() { ::setenv("PATH", old.c_str(), 1); }
};

// A stand-in `camoufox` first on PATH: it records its environment (NUL
// separated, in bin/env.recorded), then becomes firefox-esr.
struct fake_camoufox {
  scratch_dir root;
  std::string bin = root.path + "/bin";
  std::string recorded = bin + "/env.recorded";
  std::unique_ptr<path_prefix> on_path;
  fake_camoufox() {
    fs::create_directories(bin);
    write_script(bin + "/camoufox", "#!/bin/sh\nenv -0 > \"$(dirname \"$0\")/env.recorded\"\nexec firefox-esr \"$@\"\n");
    on_path = std::make_unique<path_prefix>(bin);
  }
  firefox_options options(const std::string& fingerprint_file) const {
    firefox_options o;
    o.kind = firefox_kind::camoufox;
    o.browser_path = "camoufox";
    o.profile_root = root.path;
    o.fingerprint_file = fingerprint_file;
    o.start_timeout = firefox_start_timeout;
    return o;
  }
};

}  // namespace

TEST_CASE("firefox launcher: headless firefox-esr, loopback BiDi, private profile, exit noticed at once") {
  scratch_dir root;
  firefox_options o;
  o.instance_id = "ff test";
  o.profile_root = root.path;
  o.start_timeout = firefox_start_timeout;
  std::atomic<bool> exited{false};
  std::string exit_text;
  std::string dir;
  {
    auto ff = firefox_process::launch(o, [&](const camoufleet::browser::exit_info& info) {
      exit_text = info.text;
      exited = true;
    });
    pid_reaper reaper{ff->process().pid()};
    CHECK(ff->process().running());
    CHECK(ff->ws_endpoint().rfind("ws://127.0.0.1:", 0) == 0);
    dir = ff->profile_dir();
    CHECK(dir.rfind(root.path + "/camoufleet-ff_test-", 0) == 0);
    struct stat st{};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(slurp(dir + "/user.js").find("\"browser.startup.homepage\", \"about:blank\"") != std::string::npos);
    // Firefox writes where its BiDi server is into the profile too (just after the line).
    nlohmann::json server;
    wait_until([&] {
      server = nlohmann::json::parse(slurp(dir + "/WebDriverBiDiServer.json"), nullptr, false);
      return server.is_object();
    }, 10000ms);
    REQUIRE(server.is_object());
    CHECK(ff->ws_endpoint() == "ws://" + server.value("ws_host", std::string()) + ":" +
                                   std::to_string(server.value("ws_port", 0)));

    ::kill(ff->process().pid(), SIGKILL);
    CHECK(wait_until([&] { return exited.load(); }, 5000ms));
    CHECK(exit_text.find("signal 9") != std::string::npos);
    CHECK_FALSE(ff->process().running());
  }
  CHECK_FALSE(fs::exists(dir));  // removed with the object
}

TEST_CASE("firefox launcher: a kept profile dir with a stale lock still comes up, and is kept") {
  scratch_dir root;
  const std::string dir = root.path + "/alice.profile";
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0755);
  REQUIRE(::symlink("127.0.0.1:+999999999", (dir + "/lock").c_str()) == 0);
  std::ofstream(dir + "/.parentlock") << "";
  firefox_options o;
  o.profile_dir = dir;
  o.start_timeout = firefox_start_timeout;
  {
    auto ff = firefox_process::launch(o);
    pid_reaper reaper{ff->process().pid()};
    CHECK(ff->profile_dir() == dir);
    CHECK(is_loopback_endpoint(ff->ws_endpoint()));
    struct stat st{};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    ff->process().terminate(5000ms);
  }
  CHECK(fs::exists(dir + "/user.js"));
}

TEST_CASE("firefox launcher: a browser that fails to start says why") {
  scratch_dir root;
  write_script(root.path + "/broken-firefox", "#!/bin/sh\necho 'Error: no DISPLAY environment variable' >&2\nexit 3\n");
  firefox_options o;
  o.browser_path = root.path + "/broken-firefox";
  o.profile_root = root.path;
  try {
    firefox_process::launch(o);
    FAIL("no throw");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::browser_gone);
    CHECK(std::string(e.what()).find("exited with code 3 during start") != std::string::npos);
    CHECK(std::string(e.what()).find("no DISPLAY environment variable") != std::string::npos);
  }
  // Its fresh profile dir went with it.
  int left = 0;
  for (auto& entry : fs::directory_iterator(root.path)) left += entry.path().filename().string().rfind("camoufleet-", 0) == 0;
  CHECK(left == 0);
}

TEST_CASE("firefox launcher: no orphan when the server is SIGKILLed") {
  scratch_dir root;
  int err_pipe[2];
  REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
  const std::string probe = BIDI_ORPHAN_PROBE;
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(err_pipe[1], 2);
    ::execl(probe.c_str(), probe.c_str(), root.path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  struct probe_reaper {
    pid_t pid;
    ~probe_reaper() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } probe_guard{pid};
  // Read "browser_pid=N" (the probe exits on failure, closing the pipe).
  std::string out;
  char buf[512];
  int browser_pid = 0;
  while (browser_pid == 0) {
    ssize_t n = ::read(err_pipe[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    auto pos = out.find("browser_pid=");
    if (pos != std::string::npos && out.find('\n', pos) != std::string::npos) browser_pid = std::atoi(out.c_str() + pos + 12);
  }
  ::close(err_pipe[0]);
  INFO("probe said: " << out);
  REQUIRE(browser_pid > 0);
  pid_reaper reaper{browser_pid};
  CHECK(process_alive(browser_pid));
  ::kill(pid, SIGKILL);
  // The kernel kills the browser (PDEATHSIG); its helpers follow it.
  CHECK(wait_until([&] { return !process_alive(browser_pid); }, 10000ms));
  CHECK(wait_until([&] { return ::kill(-browser_pid, 0) != 0; }, 15000ms));
}

TEST_CASE("camoufox launcher: the fingerprint reaches the browser as CAMOU_CONFIG chunks") {
  fake_camoufox fake;
  // A fingerprint longer than two chunks, with non-ASCII text in it.
  nlohmann::json fp = {{"navigator.userAgent", "Mozilla/5.0 (X11; Linux x86_64; rv:152.0) Gecko/20100101 Firefox/152.0"},
                       {"screen.width", 1920},
                       {"locale:region", "Zürich"},
                       {"fonts", nlohmann::json::array()}};
  for (int i = 0; i < 4000; ++i) fp["fonts"].push_back("Font Family Number " + std::to_string(i));
  const std::string fp_file = fake.root.path + "/alice.camoufox.json";
  std::ofstream(fp_file) << fp.dump(2);
  {
    auto ff = firefox_process::launch(fake.options(fp_file));
    pid_reaper reaper{ff->process().pid()};
    CHECK(is_loopback_endpoint(ff->ws_endpoint()));
    ff->process().terminate(5000ms);
  }
  std::map<int, std::string> chunks;
  std::string env = slurp(fake.recorded);
  REQUIRE_FALSE(env.empty());
  bool headless = false;
  for (std::size_t start = 0; start < env.size();) {
    std::size_t end = env.find('\0', start);
    if (end == std::string::npos) end = env.size();
    std::string var = env.substr(start, end - start);
    start = end + 1;
    if (var == "MOZ_HEADLESS=1") headless = true;
    if (var.rfind("CAMOU_CONFIG_", 0) != 0) continue;
    auto eq = var.find('=');
    chunks[std::atoi(var.c_str() + 13)] = var.substr(eq + 1);
  }
  CHECK(headless);
  REQUIRE(chunks.size() >= 3);
  std::string joined;
  int expect = 1;
  for (auto& [n, text] : chunks) {
    CHECK(n == expect++);
    CHECK(text.size() <= 32767);
    joined += text;
  }
  CHECK(chunks.begin()->second.size() == 32767);
  CHECK(nlohmann::json::parse(joined) == fp);
}

TEST_CASE("camoufox launcher: invalid fingerprint JSON is a clear error and starts nothing") {
  fake_camoufox fake;
  const std::string fp_file = fake.root.path + "/bob.camoufox.json";
  std::ofstream(fp_file) << "{\"screen.width\": 1920,}";
  try {
    firefox_process::launch(fake.options(fp_file));
    FAIL("no throw");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::invalid_profile);
    CHECK(std::string(e.what()).find("bob.camoufox.json: the Camoufox fingerprint is not valid JSON") !=
          std::string::npos);
  }
  CHECK_FALSE(fs::exists(fake.recorded));  // the browser was never started
}
