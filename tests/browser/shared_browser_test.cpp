// The protocol-neutral half of context isolation (browser/shared_browser.*)
// with a stand-in browser: one launch however many members ask, a failed
// launch never retried, the browser's own end heard by every member but not
// after its owners began closing it, and the pool's names per protocol.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "browser/shared_browser.hpp"

using namespace camoufleet::browser;

namespace {

// launch() blocks until release() (so that others are seen waiting for it)
// and fails when told to.
class fake_browser : public shared_browser {
 public:
  explicit fake_browser(std::string name, bool fail = false) : shared_browser(std::move(name)), fail_(fail) {}
  ~fake_browser() override { closing(); }

  void release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // What the browser's threads would call when it dies.
  void die(const std::string& why) { report_(why); }
  void begin_close() { closing(); }

  std::atomic<int> launches{0};
  std::atomic<int> abandons{0};

 private:
  session_info launch(clock::time_point deadline) override {
    ++launches;
    report_ = reporter();
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return released_; })) throw std::runtime_error("never released");
    if (fail_) throw std::runtime_error("no such binary");
    session_info i;
    i.pid = 4242;
    i.port = 9333;
    i.ws_endpoint = "ws://127.0.0.1:9333";
    return i;
  }
  void abandon() override { ++abandons; }

  const bool fail_;
  listener report_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

shared_browser::clock::time_point in(std::chrono::milliseconds d) { return shared_browser::clock::now() + d; }

}  // namespace

TEST_CASE("shared browser base: three members, one launch, all see its facts") {
  fake_browser b("browser_x");
  std::vector<std::future<void>> starts;
  for (int k = 0; k < 3; ++k)
    starts.push_back(std::async(std::launch::async, [&b] { b.ensure_started(in(std::chrono::seconds(20))); }));
  // Nobody returns before the one launch is done.
  CHECK(starts[0].wait_for(std::chrono::milliseconds(50)) == std::future_status::timeout);
  b.release();
  for (auto& s : starts) s.get();
  CHECK(b.launches == 1);
  CHECK(b.info().pid == 4242);
  CHECK(b.info().port == 9333);
  b.ensure_started(in(std::chrono::seconds(1)));  // started: returns at once
  CHECK(b.launches == 1);
  CHECK(b.usable());
}

TEST_CASE("shared browser base: a waiter's deadline passes while another launches: timeout") {
  fake_browser b("browser_x");
  auto first = std::async(std::launch::async, [&b] { b.ensure_started(in(std::chrono::seconds(20))); });
  // The launch is under way once launches counts it.
  for (auto until = in(std::chrono::seconds(10)); b.launches == 0 && shared_browser::clock::now() < until;)
    std::this_thread::yield();
  REQUIRE(b.launches == 1);
  try {
    b.ensure_started(in(std::chrono::milliseconds(20)));
    FAIL("ensure_started did not throw");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::timeout);
  }
  b.release();
  first.get();
  CHECK(b.launches == 1);
}

TEST_CASE("shared browser base: a failed launch is undone, heard by members, never retried") {
  fake_browser b("browser_y", true);
  std::vector<std::string> heard;
  b.add_listener([&](const std::string& r) { heard.push_back(r); });
  b.release();
  CHECK_THROWS(b.ensure_started(in(std::chrono::seconds(5))));
  CHECK(b.abandons == 1);
  REQUIRE(heard.size() == 1);
  CHECK(heard[0].find("failed to start: no such binary") != std::string::npos);
  CHECK_FALSE(b.usable());
  try {
    b.ensure_started(in(std::chrono::seconds(5)));
    FAIL("ensure_started did not throw");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::browser_gone);
  }
  CHECK(b.launches == 1);
}

TEST_CASE("shared browser base: its death reaches each member once, after closing began nobody") {
  fake_browser b("browser_z");
  b.release();
  b.ensure_started(in(std::chrono::seconds(5)));
  int a = 0, c = 0;
  std::string heard;
  b.add_listener([&](const std::string& why) {
    ++a;
    heard = why;
  });
  b.add_listener([&](const std::string&) { ++c; });
  b.die("exited: killed by signal 9");
  b.die("connection lost");
  CHECK(a == 1);
  CHECK(c == 1);
  CHECK(heard == "shared browser browser_z: exited: killed by signal 9");  // named for the members' logs

  fake_browser quiet("browser_q");
  quiet.release();
  quiet.ensure_started(in(std::chrono::seconds(5)));
  int told = 0;
  quiet.add_listener([&](const std::string&) { ++told; });
  quiet.begin_close();
  quiet.die("exited: 0");  // our own browser.close: not news
  CHECK(told == 0);
}

TEST_CASE("shared browser base: each pool names its browsers with its own prefix") {
  std::vector<std::string> made;
  context_pool<fake_browser> pool(1, "firefox_", [&](std::string name, const session_options&) {
    made.push_back(name);
    return std::make_shared<fake_browser>(std::move(name));
  });
  session_options o;
  auto a = pool.join(o);
  auto b = pool.join(o);
  CHECK((a != b));
  CHECK(made == std::vector<std::string>{"firefox_1", "firefox_2"});
  CHECK(a->name() == "firefox_1");
  CHECK(a->members() == 1);
}
