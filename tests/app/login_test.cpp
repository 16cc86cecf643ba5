// `camoufleet login` end to end: the real binary, a real headless browser and
// the simulator. The test plays the user: it finds the sign-in tab through
// the project's own CDP layer (Chromium) or its own WebDriver BiDi session
// (run with --browser-kind=firefox, ctest prefix app/firefox/: firefox-esr,
// which takes that session between two looks of the login window) and fills
// the form.

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "browser/storage_state.hpp"
#include "test_support.hpp"
#include "tests/app/login_user.hpp"
#include "tests/app/test_files.hpp"

namespace {

using namespace camoufleet;
using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

// A port nothing listens on right now, as the first DevTools port to try
// (the browser skips busy ones), so parallel tests do not all start at 9222.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  int port = ntohs(a.sin_port);
  return port < 1024 ? 20000 : port;
}

using camoufleet::app::testing::mode_of;
using camoufleet::app::testing_user::close_as_user;
using camoufleet::app::testing_user::sign_in;
using camoufleet::app::testing::read_all;

bool process_gone(int pid) {
  return testing::wait_until([pid] { return ::kill(pid, 0) != 0 && errno == ESRCH; }, 10s, 50ms);
}

std::size_t entries_in(const std::string& dir) {
  if (!fs::exists(dir)) return 0;
  std::size_t n = 0;
  for (auto it = fs::directory_iterator(dir); it != fs::directory_iterator(); ++it) ++n;
  return n;
}

// The value of one cookie in a "A=1; B=2" header.
std::string cookie_from_header(const std::string& header, const std::string& name) {
  std::istringstream in(header);
  std::string part;
  while (std::getline(in, part, ';')) {
    auto start = part.find_first_not_of(' ');
    if (start == std::string::npos) continue;
    part = part.substr(start);
    if (part.compare(0, name.size() + 1, name + "=") == 0) return part.substr(name.size() + 1);
  }
  return "";
}

// The child's pipes are drained by reader threads: a line written just before
// exit may arrive a moment after the exit is seen, so output is awaited too.
bool has_line(testing::child_process& proc, const std::string& part) {
  return proc
      .wait_for_line([&](const std::string& l) { return l.find(part) != std::string::npos; }, 5s)
      .has_value();
}

int exit_code(const std::optional<int>& status) {
  if (!status) return -1000;  // still running at the deadline
  if (WIFEXITED(*status)) return WEXITSTATUS(*status);
  return -WTERMSIG(*status);
}

// One `camoufleet login` run with private dirs; everything removed afterwards.
struct login_run {
  testing::temp_dir root{"camoufleet-login-"};
  std::string saved_dir = root.file("saved/sub");  // does not exist yet
  std::string auth_dir = root.file("active");
  std::string profile_root = root.file("browsers");
  std::unique_ptr<testing::child_process> proc;
  std::string ws;
  int browser_pid = 0;

  login_run(const std::string& site_url, const std::vector<std::string>& extra,
            const std::string& display_flag = "--headless") {
    fs::create_directories(auth_dir);
    fs::create_directories(profile_root);
    std::vector<std::string> argv{CAMOUFLEET_BIN, "login", "--save-as", "alice", display_flag,
                                  "--site-url", site_url, "--saved-dir", saved_dir,
                                  "--auth-dir", auth_dir, "--profile-root", profile_root,
                                  "--browser", testing::browser_path(),
                                  "--browser-kind", testing::browser_kind(),
                                  "--base-port", std::to_string(free_port())};
    argv.insert(argv.end(), extra.begin(), extra.end());
    proc = std::make_unique<testing::child_process>(argv);
  }

  // Waits for the endpoint (DevTools or WebDriver BiDi) and pid lines.
  void wait_started() {
    // Firefox prints its line once its first BiDi session came up (~10-30 s busy).
    auto dev = proc->wait_for_line(std::regex("^(DevTools|WebDriver BiDi): ws://\\S+$"), 120s);
    REQUIRE_MESSAGE(dev.has_value(), "no endpoint line; stderr: " << stderr_text());
    ws = dev->substr(dev->find("ws://"));
    auto pid = proc->wait_for_line(std::regex("^Browser pid: [0-9]+$"), 10s);
    REQUIRE(pid.has_value());
    browser_pid = std::stoi(pid->substr(std::string("Browser pid: ").size()));
    REQUIRE(browser_pid > 0);
  }

  std::string stderr_text() const {
    std::string all;
    for (const auto& l : proc->stderr_lines()) all += l + "\n";
    return all;
  }
  std::string all_output() const {
    std::string all = stderr_text();
    for (const auto& l : proc->stdout_lines()) all += l + "\n";
    return all;
  }
};

}  // namespace

TEST_CASE("login: signing in on the simulator saves a working 0600 profile and activates it") {
  if (!testing::browser_available()) {
    MESSAGE("no " << testing::browser_path() << ": skipped");
    return;
  }
  testing::sim_process sim;
  login_run run(sim.url(), {"--activate", "--timeout", "60", "--log-level", "debug"});
  run.wait_started();
  REQUIRE(run.proc->wait_for_line(std::regex("^Sign in in the browser window; waiting up to 60 s"),
                                  10s));

  // The field is type=email: plain "alice" would not pass the form's own check.
  const std::string signin_url = sign_in(run.ws, "alice@example.com", "alice-password");
  CHECK(signin_url.find(sim.base_url() + "/ServiceLogin") == 0);

  const int code = exit_code(run.proc->wait_exit(60s));
  REQUIRE_MESSAGE(code == 0, "login failed: " << run.all_output());
  CHECK(process_gone(run.browser_pid));
  CHECK(entries_in(run.profile_root) == 0);  // the browser's profile dir is gone

  const std::string saved = run.saved_dir + "/alice.json";
  const std::string active = run.auth_dir + "/alice.json";
  REQUIRE(fs::exists(saved));
  CHECK(mode_of(saved) == 0600);
  CHECK(mode_of(run.saved_dir) == 0700);  // created by login
  CHECK(entries_in(run.saved_dir) == 1);  // no temp file left
  REQUIRE(fs::exists(active));
  CHECK(mode_of(active) == 0600);
  const bool same_copy = read_all(saved) == read_all(active);
  CHECK(same_copy);

  // Valid storageState (through the loader the fleet uses), holding alice's SID.
  auto loaded = browser::load_storage_state(saved);
  CHECK_FALSE(loaded.too_open);
  const std::string expected_sid = cookie_from_header(testing::sim_process::cookie_header("alice"), "SID");
  REQUIRE_FALSE(expected_sid.empty());
  bool sid_is_alices = false;
  std::string cookie_header;
  for (const auto& c : loaded.state.cookies) {
    if (c.name == "SID") {
      sid_is_alices = c.value == expected_sid;
      CHECK(c.domain == "127.0.0.1");
      CHECK(c.http_only);
      CHECK(c.expires > 0);
    }
    cookie_header += (cookie_header.empty() ? "" : "; ") + c.name + "=" + c.value;
  }
  CHECK(sid_is_alices);  // compared, never printed
  REQUIRE(loaded.state.origins.size() == 1);
  CHECK(loaded.state.origins[0].origin == sim.base_url());

  // The profile works: the simulator serves its chat page to these cookies
  // (and sends a stranger to sign in, so the check means something).
  auto with = testing::http_request("GET", sim.port(), "/prompts/new_chat", "",
                                    {{"Cookie", cookie_header}});
  CHECK(with.status == 200);
  auto without = testing::http_request("GET", sim.port(), "/prompts/new_chat");
  CHECK(without.status == 302);

  // The output says where it went and never shows a cookie value.
  CHECK(has_line(*run.proc, "Saved profile alice to " + saved));
  CHECK(has_line(*run.proc, "Activated: copied to " + active));
  const std::string out = run.all_output();
  const bool leaks = out.find(expected_sid) != std::string::npos;
  CHECK_FALSE(leaks);
}

TEST_CASE("login: nobody signs in before --timeout: exit 1, nothing written, browser gone") {
  if (!testing::browser_available()) {
    MESSAGE("no " << testing::browser_path() << ": skipped");
    return;
  }
  testing::sim_process sim;
  login_run run(sim.url(), {"--activate", "--timeout", "2"});
  run.wait_started();
  const int code = exit_code(run.proc->wait_exit(45s));
  CHECK(code == 1);
  CHECK_MESSAGE(has_line(*run.proc, "no sign-in within 2 s"), run.all_output());
  CHECK(process_gone(run.browser_pid));
  CHECK(entries_in(run.profile_root) == 0);
  CHECK_FALSE(fs::exists(run.saved_dir));
  CHECK(entries_in(run.auth_dir) == 0);
}

TEST_CASE("login: SIGTERM while waiting: exit 130, nothing written, browser gone") {
  if (!testing::browser_available()) {
    MESSAGE("no " << testing::browser_path() << ": skipped");
    return;
  }
  testing::sim_process sim;
  login_run run(sim.url(), {"--timeout", "120"});
  run.wait_started();
  REQUIRE(run.proc->wait_for_line(std::regex("^Sign in in the browser window"), 10s));
  ::kill(run.proc->pid(), SIGTERM);
  const int code = exit_code(run.proc->wait_exit(30s));
  CHECK(code == 130);
  CHECK(process_gone(run.browser_pid));
  CHECK(entries_in(run.profile_root) == 0);
  CHECK_FALSE(fs::exists(run.saved_dir));
}

TEST_CASE("login: a bad profile name is refused by the parser with exit 2, no browser") {
  testing::temp_dir root;
  testing::child_process proc({CAMOUFLEET_BIN, "login", "--save-as", "../x", "--headless",
                               "--saved-dir", root.file("saved"), "--timeout", "5"});
  const int code = exit_code(proc.wait_exit(20s));
  CHECK(code == 2);
  CHECK(has_line(proc, "--save-as"));
  for (const auto& l : proc.stdout_lines()) CHECK(l.find("DevTools:") == std::string::npos);
  CHECK_FALSE(fs::exists(root.file("saved")));
  CHECK_FALSE(fs::exists(root.file("x.json")));
}

TEST_CASE("login: a visible browser without any display stops at once with a hint") {
  testing::temp_dir root;
  // No display flag: login defaults to a visible window.
  testing::child_process proc({CAMOUFLEET_BIN, "login", "--save-as", "alice", "--saved-dir",
                               root.file("saved"), "--timeout", "5"},
                              {{"DISPLAY", ""}, {"WAYLAND_DISPLAY", ""}});
  const int code = exit_code(proc.wait_exit(20s));
  CHECK(code == 1);
  CHECK(has_line(proc, "--virtual-display"));
  for (const auto& l : proc.stdout_lines()) CHECK(l.find("Browser pid:") == std::string::npos);
  CHECK_FALSE(fs::exists(root.file("saved")));
}

TEST_CASE("login --virtual-display: signs in on a private Xvfb and replaces an older profile") {
  if (!testing::browser_available() || ::access("/usr/bin/Xvfb", X_OK) != 0) {
    MESSAGE("no browser or no Xvfb: skipped");
    return;
  }
  testing::sim_process sim;
  login_run run(sim.url(), {"--timeout", "60"}, "--virtual-display");
  // An older, too open profile of the same name is already there.
  fs::create_directories(run.saved_dir);
  const std::string saved = run.saved_dir + "/alice.json";
  { std::ofstream(saved) << "{\"cookies\": []}"; }
  REQUIRE(::chmod(saved.c_str(), 0644) == 0);

  run.wait_started();
  auto xvfb_line = run.proc->wait_for_line(std::regex("Virtual display :[0-9]+ started \\(Xvfb pid [0-9]+\\)"), 10s);
  REQUIRE(xvfb_line.has_value());
  const int xvfb_pid = std::stoi(xvfb_line->substr(xvfb_line->find("Xvfb pid ") + 9));
  sign_in(run.ws, "alice@example.com", "alice-password");

  const int code = exit_code(run.proc->wait_exit(60s));
  REQUIRE_MESSAGE(code == 0, "login failed: " << run.all_output());
  CHECK(process_gone(run.browser_pid));
  CHECK(process_gone(xvfb_pid));
  CHECK(entries_in(run.profile_root) == 0);
  CHECK(mode_of(saved) == 0600);
  CHECK(entries_in(run.saved_dir) == 1);
  auto loaded = browser::load_storage_state(saved);
  bool has_sid = false;
  for (const auto& c : loaded.state.cookies) has_sid = has_sid || c.name == "SID";
  CHECK(has_sid);
  CHECK(has_line(*run.proc, "the previous file was replaced"));
  // Without --activate nothing goes to the served dir.
  CHECK(entries_in(run.auth_dir) == 0);
}

TEST_CASE("login: the browser closed before signing in: exit 1, nothing written") {
  if (!testing::browser_available()) {
    MESSAGE("no " << testing::browser_path() << ": skipped");
    return;
  }
  testing::sim_process sim;
  login_run run(sim.url(), {"--activate", "--timeout", "120"});
  run.wait_started();
  REQUIRE(run.proc->wait_for_line(std::regex("^Sign in in the browser window"), 10s));
  // The user closes the window: a second client closes the browser.
  close_as_user(run.ws);
  const int code = exit_code(run.proc->wait_exit(30s));
  CHECK(code == 1);
  CHECK_MESSAGE(has_line(*run.proc, "the browser closed before the sign-in finished"),
                run.all_output());
  CHECK(process_gone(run.browser_pid));
  CHECK(entries_in(run.profile_root) == 0);
  CHECK_FALSE(fs::exists(run.saved_dir));
  CHECK(entries_in(run.auth_dir) == 0);
}
