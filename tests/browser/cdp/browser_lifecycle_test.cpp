// Chromium launches that go wrong or outlive someone: failures with reasons,
// the /json/version fallback, Xvfb, no orphan after the owner's SIGKILL, no
// inherited descriptor, stale profile dirs. Real processes, stopped by pid.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <boost/filesystem.hpp>
#include "browser/browser_process.hpp"
#include "browser/cdp/connection.hpp"
#include "browser/port_picker.hpp"
#include "browser/virtual_display.hpp"
#include "tests/browser/process_watch.hpp"
#include "tests/browser/scratch_dir.hpp"
#include "tests/browser/cdp/launch_helpers.hpp"
#include "test_support.hpp"

using namespace camoufleet::browser;
using namespace camoufleet::browser::cdp;
using namespace std::chrono_literals;
using nlohmann::json;

#ifndef CDP_ORPHAN_PROBE
#define CDP_ORPHAN_PROBE "cdp_orphan_probe"
#endif

using namespace camoufleet::browser::testing;

TEST_CASE("launch failures are driver_errors with a reason") {
  scratch_dir dir;
  SUBCASE("no such browser") {
    auto o = test_options(dir, "missing");
    o.browser_path = dir.path + "/no-such-browser";
    CHECK_THROWS_AS(browser_process::launch(o), driver_error);
  }
  SUBCASE("exits during start") {
    auto o = test_options(dir, "false");
    o.browser_path = write_script(dir, "fake-browser", "echo 'fake: cannot open display' >&2; exit 3");
    try {
      browser_process::launch(o);
      FAIL("expected failure");
    } catch (const driver_error& e) {
      CHECK(e.kind() == failure_kind::browser_gone);
      CHECK(std::string(e.what()).find("exited with code 3") != std::string::npos);
      CHECK(std::string(e.what()).find("fake: cannot open display") != std::string::npos);
    }
  }
  SUBCASE("never says DevTools: times out and is killed") {
    auto o = test_options(dir, "silent");
    std::string pid_file = dir.path + "/silent.pid";
    o.browser_path = write_script(dir, "silent-browser", "echo $$ > " + pid_file + "; exec sleep 60");
    o.start_timeout = 500ms;
    try {
      browser_process::launch(o);
      FAIL("expected timeout");
    } catch (const driver_error& e) {
      CHECK(e.kind() == failure_kind::timeout);
    }
    int pid = 0;
    std::ifstream(pid_file) >> pid;
    REQUIRE(pid > 0);
    pid_reaper guard{pid};
    CHECK(wait_until([&] { return !process_alive(pid); }, 5s));
  }
  // Profile dirs of failed attempts are gone too.
  bool leftover = std::any_of(boost::filesystem::directory_iterator(dir.path), boost::filesystem::directory_iterator(),
                              [](const auto& e) { return e.path().filename().string().rfind("camoufleet-", 0) == 0; });
  CHECK_FALSE(leftover);
}

TEST_CASE("launch: /json/version fallback when stderr is not ours") {
  scratch_dir dir;
  auto o = test_options(dir, "quiet");
  o.browser_path = write_script(dir, "quiet-chromium", "exec /usr/bin/chromium \"$@\" 2>/dev/null");
  pid_reaper guard;
  auto b = browser_process::launch(o);
  guard.pid = b->pid();
  CHECK(b->ws_endpoint().rfind("ws://127.0.0.1:" + std::to_string(b->port()) + "/devtools/browser/", 0) == 0);
  io_thread io;
  auto conn = connection::connect(io, b->ws_endpoint(), 10s);
  CHECK(conn->call("Browser.getVersion").contains("product"));
  conn.reset();
  io.stop();
}

TEST_CASE("virtual display: Xvfb comes up and a visible browser runs on it") {
  std::unique_ptr<virtual_display> vd;
  try {
    vd = virtual_display::start(99, 15s);
  } catch (const driver_error& e) {
    FAIL("Xvfb did not start: " << e.what());
    return;
  }
  int xpid = vd->pid();
  pid_reaper xguard{xpid};
  CHECK(vd->running());
  CHECK(vd->number() >= 99);
  CHECK(display_in_use(vd->number()));
  CHECK(vd->name() == ":" + std::to_string(vd->number()));

  {
    scratch_dir dir;
    auto o = test_options(dir, "visible");
    o.display = display_mode::virtual_display;
    o.x_display = vd->name();
    pid_reaper guard;
    auto b = browser_process::launch(o);
    guard.pid = b->pid();
    io_thread io;
    auto conn = connection::connect(io, b->ws_endpoint(), 10s);
    json created = conn->call("Target.createTarget", {{"url", "about:blank"}});
    json attached = conn->call("Target.attachToTarget", {{"targetId", created["targetId"]}, {"flatten", true}});
    std::string session = attached["sessionId"];
    // The screen the page sees is Xvfb's 1280x800, so it is really on our display.
    json r = conn->call("Runtime.evaluate",
                        {{"expression", "screen.width + 'x' + screen.height"}, {"returnByValue", true}}, session);
    CHECK(r["result"]["value"] == "1280x800");
    json ua = conn->call("Runtime.evaluate", {{"expression", "navigator.userAgent"}, {"returnByValue", true}}, session);
    CHECK(ua["result"]["value"].get<std::string>().find("Headless") == std::string::npos);
    conn.reset();
    io.stop();
  }

  int n = vd->number();
  vd->stop();
  CHECK_FALSE(vd->running());
  CHECK(wait_until([&] { return !process_alive(xpid); }, 5s));
  CHECK(wait_until([&] { return !display_in_use(n); }, 5s));
}

TEST_CASE("no orphan: a SIGKILLed owner takes its browser with it") {
  scratch_dir dir;
  std::mutex m;
  std::condition_variable cv;
  int browser_pid = 0;
  owned_child::spec sp;
  sp.path = CDP_ORPHAN_PROBE;
  sp.args = {dir.path, std::to_string(23222 + ::getpid() % 3000)};
  sp.on_stderr_line = [&](const std::string& line) {
    if (line.rfind("browser_pid=", 0) != 0) return;
    std::lock_guard<std::mutex> lock(m);
    browser_pid = std::stoi(line.substr(12));
    cv.notify_all();
  };
  auto probe = owned_child::spawn(std::move(sp));
  {
    std::unique_lock<std::mutex> lock(m);
    REQUIRE(cv.wait_for(lock, 30s, [&] { return browser_pid > 0; }));
  }
  pid_reaper guard{browser_pid};
  REQUIRE(process_alive(browser_pid));

  REQUIRE(::kill(probe->pid(), SIGKILL) == 0);
  CHECK(probe->wait_for_exit(10s));
  CHECK(probe->exit_status().signal == SIGKILL);
  CHECK(wait_until([&] { return !process_alive(browser_pid); }, 10s));
  // Its helpers follow on their own; make sure before the dir goes.
  ::kill(-browser_pid, SIGKILL);
}

namespace {

// "socket:[123]" / "pipe:[456]" names of every descriptor held by a process
// in the group (the browser and all its helpers).
std::set<std::string> descriptors_of_group(int pgid) {
  std::set<std::string> out;
  for (int pid : camoufleet::testing::group_pids(pgid)) {
    const boost::filesystem::path dir("/proc/" + std::to_string(pid) + "/fd");
    boost::system::error_code ec;
    for (boost::filesystem::directory_iterator fd(dir, ec), end; !ec && fd != end; fd.increment(ec)) {
      auto target = boost::filesystem::read_symlink(fd->path(), ec);
      if (!ec) out.insert(target.string());
    }
  }
  return out;
}

std::string fd_name(int fd) {
  struct stat st {};
  ::fstat(fd, &st);
  return (S_ISSOCK(st.st_mode) ? "socket:[" : "pipe:[") + std::to_string(st.st_ino) + "]";
}

}  // namespace

TEST_CASE("launch: the browser inherits no descriptor of ours (listening socket, pipes)") {
  // What the server holds when it launches browsers: Pistache's listening
  // socket and reactor descriptors are made without close-on-exec.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 4) == 0);
  int leaky_pipe[2];
  REQUIRE(::pipe(leaky_pipe) == 0);
  const std::set<std::string> ours = {fd_name(listener), fd_name(leaky_pipe[0]),
                                      fd_name(leaky_pipe[1])};

  scratch_dir dir;
  std::set<std::string> held;
  int pid = 0;
  {
    auto b = browser_process::launch(test_options(dir, "fds"));
    pid = b->pid();
    pid_reaper guard{pid};
    // The renderers and helpers are up once DevTools listens; look at them all.
    held = descriptors_of_group(pid);
  }
  ::close(listener);
  ::close(leaky_pipe[0]);
  ::close(leaky_pipe[1]);
  CHECK(held.size() > 3);  // it did look at a live browser
  for (const auto& name : ours) CHECK_MESSAGE(held.count(name) == 0, name << " leaked into pid " << pid);
}

TEST_CASE("stale profile dirs: only those of a camoufleet that is gone are removed") {
  namespace fs = boost::filesystem;
  scratch_dir dir;
  auto b = browser_process::launch(test_options(dir, "live"));
  pid_reaper guard{b->pid()};
  const std::string live = b->profile_dir();
  std::string owner;
  {
    std::ifstream in(live + "/.camoufleet-owner");
    REQUIRE(std::getline(in, owner));
  }
  REQUIRE(owner.rfind(std::to_string(::getpid()) + " ", 0) == 0);

  const auto make = [&](const std::string& name, const std::string& owner_line) {
    fs::create_directories(dir.path + "/" + name + "/Default");
    std::ofstream(dir.path + "/" + name + "/Default/Cookies") << "x";
    if (!owner_line.empty()) std::ofstream(dir.path + "/" + name + "/.camoufleet-owner") << owner_line << "\n";
    return dir.path + "/" + name;
  };
  const auto dead = make("camoufleet-instance_1-dead01", "999999999 12345");
  // Our pid, but another start time: the pid was reused after its owner died.
  const auto reused = make("camoufleet-instance_2-reus01",
                           std::to_string(::getpid()) + " 1" + owner.substr(owner.find(' ') + 1));
  const auto foreign = make("camoufleet-instance_3-nofile", "");
  const auto other = make("someone-else-dead01", "999999999 12345");

  CHECK(remove_stale_profile_dirs(dir.path) == 2);
  CHECK_FALSE(fs::exists(dead));
  CHECK_FALSE(fs::exists(reused));
  CHECK(fs::exists(live));
  CHECK(fs::exists(foreign));
  CHECK(fs::exists(other));
  CHECK(b->running());
}
