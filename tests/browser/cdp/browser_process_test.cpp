// Launching and owning Chromium, port picking, Xvfb: real processes, all
// stopped by pid and their dirs removed even when a check fails.
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
#include "test_support.hpp"

using namespace camoufleet::browser;
using namespace camoufleet::browser::cdp;
using namespace std::chrono_literals;
using nlohmann::json;

#ifndef CDP_ORPHAN_PROBE
#define CDP_ORPHAN_PROBE "cdp_orphan_probe"
#endif

namespace {

using camoufleet::browser::testing::scratch_dir;

using camoufleet::browser::testing::process_alive;
using camoufleet::browser::testing::wait_until;

using camoufleet::browser::testing::pid_reaper;

// A loopback listener on an ephemeral port, to make a port busy.
struct listener {
  int fd = -1;
  int port = 0;
  explicit listener(int want = 0) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(want));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0) {
      ::close(fd);
      fd = -1;
      return;
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~listener() {
    if (fd >= 0) ::close(fd);
  }
};

bool tcp_connects(const std::string& ip, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string first_non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::string found;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    char buf[INET_ADDRSTRLEN];
    auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    ::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
    if (std::string(buf).rfind("127.", 0) == 0) continue;
    found = buf;
    break;
  }
  ::freeifaddrs(list);
  return found;
}

browser_options test_options(const scratch_dir& dir, const std::string& id) {
  browser_options o;
  o.instance_id = id;
  o.profile_root = dir.path;
  o.base_port = 21222 + static_cast<int>(::getpid() % 3000);
  o.start_timeout = 30s;
  return o;
}

std::string write_script(const scratch_dir& dir, const std::string& name, const std::string& body) {
  std::string path = dir.path + "/" + name;
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  ::chmod(path.c_str(), 0755);
  return path;
}

}  // namespace

TEST_CASE("port_picker skips ports in use") {
  listener busy;
  REQUIRE(busy.fd >= 0);
  CHECK_FALSE(port_is_free(busy.port));
  int p = find_free_port(busy.port, 50);
  CHECK(p > busy.port);
  CHECK(port_is_free(p));
  listener next(busy.port + 1);
  if (next.fd >= 0) CHECK(find_free_port(busy.port, 50) > busy.port + 1);
  CHECK(find_free_port(busy.port, 1) == 0);  // the only candidate is taken
  CHECK_FALSE(port_is_free(0));
  CHECK_FALSE(port_is_free(70000));
}

TEST_CASE("chromium arguments and the DevTools line") {
  browser_options o;
  auto args = chromium_args(o, 9333, "/tmp/p");
  auto has = [&](const std::string& a) { return std::find(args.begin(), args.end(), a) != args.end(); };
  CHECK(has("--headless=new"));
  CHECK(has("--remote-debugging-port=9333"));
  CHECK(has("--remote-debugging-address=127.0.0.1"));
  CHECK(has("--user-data-dir=/tmp/p"));
  CHECK(has("--no-sandbox"));
  CHECK(has("--disable-background-networking"));
  CHECK(has("--window-size=1440,900"));  // a desktop layout
  CHECK(has("--enable-features=NetworkServiceInProcess2"));
  CHECK(args.back() == "--no-startup-window");  // headless: no unused first tab
  o.display = display_mode::visible;
  o.extra_args = {"--lang=en-US"};
  args = chromium_args(o, 1, "/x");
  CHECK_FALSE(has("--headless=new"));
  CHECK(has("--lang=en-US"));
  CHECK(args.back() == "about:blank");  // a visible browser keeps its first window
  o.extra_args = {"--window-size=1920,1080"};
  args = chromium_args(o, 1, "/x");
  CHECK(has("--window-size=1920,1080"));
  CHECK_FALSE(has("--window-size=1440,900"));

  CHECK(devtools_endpoint_from_line("DevTools listening on ws://127.0.0.1:9222/devtools/browser/ab-cd") ==
        "ws://127.0.0.1:9222/devtools/browser/ab-cd");
  CHECK(devtools_endpoint_from_line("DevTools listening on ws://[::1]:1/devtools/browser/x\r") ==
        "ws://[::1]:1/devtools/browser/x");
  CHECK(devtools_endpoint_from_line("[1:2:ERROR:bus.cc] Failed to connect to the bus").empty());
  CHECK(devtools_endpoint_from_line("DevTools listening on http://x").empty());
}

TEST_CASE("launch: endpoint on loopback, private 0700 profile removed afterwards") {
  scratch_dir dir;
  std::string profile;
  int pid = 0;
  {
    pid_reaper guard;
    auto b = browser_process::launch(test_options(dir, "inst/1"));
    pid = b->pid();
    guard.pid = pid;
    profile = b->profile_dir();
    CHECK(pid > 0);
    CHECK(b->running());
    CHECK(b->port() >= 21222);
    CHECK(b->ws_endpoint().rfind("ws://127.0.0.1:" + std::to_string(b->port()) + "/devtools/browser/", 0) == 0);
    CHECK(profile.rfind(dir.path + "/camoufleet-inst_1-", 0) == 0);
    struct stat st {};
    REQUIRE(::stat(profile.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(process_alive(pid));
  }
  CHECK_FALSE(boost::filesystem::exists(profile));
  CHECK(wait_until([&] { return !process_alive(pid); }, 5s));
}

TEST_CASE("launch: a busy base port makes it take the next one") {
  scratch_dir dir;
  listener busy;
  REQUIRE(busy.fd >= 0);
  auto o = test_options(dir, "busy");
  o.base_port = busy.port;
  pid_reaper guard;
  auto b = browser_process::launch(o);
  guard.pid = b->pid();
  CHECK(b->port() > busy.port);
  CHECK(b->ws_endpoint().find(":" + std::to_string(b->port()) + "/") != std::string::npos);
}

TEST_CASE("launch: DevTools does not accept on a non-loopback address") {
  std::string ip = first_non_loopback_ipv4();
  scratch_dir dir;
  pid_reaper guard;
  auto b = browser_process::launch(test_options(dir, "loopback"));
  guard.pid = b->pid();
  CHECK(tcp_connects("127.0.0.1", b->port()));  // control: it does listen
  if (ip.empty()) {
    MESSAGE("no non-loopback IPv4 address on this machine; only the loopback side was checked");
    return;
  }
  CHECK_FALSE(tcp_connects(ip, b->port()));
}

TEST_CASE("exit is reported at once, terminate() does not report") {
  scratch_dir dir;
  std::mutex m;
  std::condition_variable cv;
  int calls = 0;
  exit_info seen;
  auto on_exit = [&](const exit_info& info) {
    std::lock_guard<std::mutex> lock(m);
    ++calls;
    seen = info;
    cv.notify_all();
  };

  SUBCASE("Browser.close over CDP: exits by itself with code 0") {
    pid_reaper guard;
    auto b = browser_process::launch(test_options(dir, "close"), on_exit);
    guard.pid = b->pid();
    io_thread io;
    auto conn = connection::connect(io, b->ws_endpoint(), 10s);
    conn->call_async("Browser.close", json::object(), "", 5s, [](const json*, const std::string&) {});
    {
      std::unique_lock<std::mutex> lock(m);
      REQUIRE(cv.wait_for(lock, 10s, [&] { return calls > 0; }));
      CHECK(seen.code == 0);
      CHECK(seen.signal == 0);
    }
    CHECK_FALSE(b->running());
    conn.reset();
    io.stop();
  }
  SUBCASE("SIGKILL from outside: signal 9 within a second or two") {
    pid_reaper guard;
    auto b = browser_process::launch(test_options(dir, "kill"), on_exit);
    guard.pid = b->pid();
    auto t0 = std::chrono::steady_clock::now();
    REQUIRE(::kill(b->pid(), SIGKILL) == 0);
    std::unique_lock<std::mutex> lock(m);
    REQUIRE(cv.wait_for(lock, 10s, [&] { return calls > 0; }));
    CHECK(seen.signal == SIGKILL);
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  }
  SUBCASE("terminate(): stops it, reaps it, no callback") {
    pid_reaper guard;
    auto b = browser_process::launch(test_options(dir, "term"), on_exit);
    int pid = b->pid();
    guard.pid = pid;
    auto info = b->terminate(5s);
    CHECK_FALSE(b->running());
    CHECK(info.text.size() > 0);
    CHECK_FALSE(process_alive(pid));
    CHECK(b->wait_for_exit(0ms));
    b.reset();
    std::lock_guard<std::mutex> lock(m);
    CHECK(calls == 0);
  }
}

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

TEST_CASE("launch: browsers started at once from one base port all get their own port") {
  scratch_dir dir;
  constexpr int count = 3;
  std::vector<std::unique_ptr<browser_process>> browsers(count);
  std::vector<std::string> errors(count);
  std::vector<pid_reaper> guards(count);
  int base = 25222 + static_cast<int>(::getpid() % 3000);
  std::vector<std::thread> starters;
  for (int i = 0; i < count; ++i) {
    starters.emplace_back([&, i] {
      try {
        auto o = test_options(dir, "race" + std::to_string(i));
        o.base_port = base;
        // About ports, not speed: three Chromiums starting together on a
        // loaded 2-core machine took more than the default 30 s once.
        o.start_timeout = std::chrono::seconds(90);
        browsers[i] = browser_process::launch(o);
        guards[i].pid = browsers[i]->pid();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : starters) t.join();
  std::vector<int> ports;
  for (int i = 0; i < count; ++i) {
    CHECK_MESSAGE(errors[i].empty(), errors[i]);
    if (browsers[i]) ports.push_back(browsers[i]->port());
  }
  std::sort(ports.begin(), ports.end());
  CHECK(std::adjacent_find(ports.begin(), ports.end()) == ports.end());
  CHECK(ports.size() == static_cast<std::size_t>(count));
  browsers.clear();  // before the guards, so their own destructors stop them
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
