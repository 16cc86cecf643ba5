// Launching and owning Chromium, port picking: real processes, all stopped
// by pid and their dirs removed even when a check fails.
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

using namespace camoufleet::browser::testing;

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
