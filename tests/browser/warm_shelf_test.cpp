// The spare shelf both protocols share (browser/warm_shelf.*), with fake
// spares instead of browsers: what it reports, hands over and stops.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>

#include "browser/warm_shelf.hpp"
#include "test_support.hpp"

using namespace camoufleet::browser;
using namespace std::chrono_literals;

namespace {

// A spare without a browser: counts its own destruction (= stopped).
struct fake_warm : warm_browser {
  int pid_ = 0;
  std::shared_ptr<std::atomic<int>> stopped;
  int pid() const override { return pid_; }
  ~fake_warm() override { ++*stopped; }
};

// What the shelf reported, thread-safe.
struct events {
  std::mutex mu;
  std::map<std::uint64_t, int> up;               // id -> pid
  std::map<std::uint64_t, std::string> down;     // id -> reason
  std::map<std::uint64_t, int> down_count;
  int ups() {
    std::lock_guard<std::mutex> l(mu);
    return static_cast<int>(up.size());
  }
  int downs(std::uint64_t id) {
    std::lock_guard<std::mutex> l(mu);
    return down_count[id];
  }
};

struct rig {
  std::shared_ptr<std::atomic<int>> stopped = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<events> ev = std::make_shared<events>();
  std::mutex mu;
  std::map<std::string, std::shared_ptr<exit_router>> routers;  // by spare name
  bool fail = false;
  bool die_during_launch = false;
  std::unique_ptr<warm_shelf> shelf;

  rig() {
    shelf = std::make_unique<warm_shelf>(
        [this](const std::string& name) -> std::unique_ptr<warm_browser> {
          if (fail) throw std::runtime_error("cannot start");
          auto w = std::make_unique<fake_warm>();
          w->pid_ = 1000 + std::stoi(name.substr(name.find('_') + 1));
          w->stopped = stopped;
          if (die_during_launch) w->router->report("browser killed by signal 9");
          std::lock_guard<std::mutex> l(mu);
          routers[name] = w->router;
          return w;
        },
        [](std::unique_ptr<warm_browser>, const session_options&, exit_callback) -> std::unique_ptr<session> {
          return nullptr;
        });
    auto e = ev;
    shelf->on_events(
        [e](std::uint64_t id, int pid) {
          std::lock_guard<std::mutex> l(e->mu);
          e->up[id] = pid;
        },
        [e](std::uint64_t id, const std::string& why) {
          std::lock_guard<std::mutex> l(e->mu);
          e->down[id] = why;
          ++e->down_count[id];
        });
  }
  std::shared_ptr<exit_router> router(const std::string& name) {
    std::lock_guard<std::mutex> l(mu);
    return routers[name];
  }
};

}  // namespace

TEST_CASE("warm shelf: a launched spare is reported up, its death once, and it leaves the shelf") {
  rig r;
  r.shelf->launch(1);
  r.shelf->launch(2);
  REQUIRE(camoufleet::testing::wait_until([&] { return r.ev->ups() == 2; }, 5s, 1ms));
  CHECK(r.shelf->pids().size() == 2);
  r.router("spare_1")->report("browser killed by signal 9");
  r.router("spare_1")->report("browser connection lost: eof");  // the socket too: still one report
  CHECK(r.ev->downs(1) == 1);
  CHECK(r.shelf->pids() == std::vector<int>{1002});
  CHECK(r.shelf->take(1) == nullptr);  // dead: nothing to hand over
  r.shelf->close();
  CHECK(*r.stopped == 2);  // the dead one and the one still waiting
  CHECK(r.ev->downs(2) == 0);
}

TEST_CASE("warm shelf: a taken spare's death is the taker's news, not the shelf's") {
  rig r;
  r.shelf->launch(7);
  REQUIRE(camoufleet::testing::wait_until([&] { return r.ev->ups() == 1; }, 5s, 1ms));
  auto taken = r.shelf->take(7);
  REQUIRE(taken != nullptr);
  CHECK(taken->pid() == 1007);
  CHECK(r.shelf->pids().empty());
  CHECK(r.shelf->take(7) == nullptr);  // once
  std::string heard;
  taken->router->listen([&](const std::string& why) { heard = why; });
  taken->router->report("browser killed by signal 9");
  CHECK(heard == "browser killed by signal 9");
  CHECK(r.ev->downs(7) == 0);
  r.shelf->close();
  CHECK(*r.stopped == 0);  // the taker owns it
  taken.reset();
  CHECK(*r.stopped == 1);
}

TEST_CASE("warm shelf: a failed launch and a spare gone before it reached the shelf are reported down") {
  rig r;
  r.fail = true;
  r.shelf->launch(1);
  REQUIRE(camoufleet::testing::wait_until([&] { return r.ev->downs(1) == 1; }, 5s, 1ms));
  r.fail = false;
  r.die_during_launch = true;
  r.shelf->launch(2);
  REQUIRE(camoufleet::testing::wait_until([&] { return r.ev->downs(2) == 1; }, 5s, 1ms));
  CHECK(r.ev->ups() == 0);
  CHECK(r.shelf->pids().empty());
  CHECK(camoufleet::testing::wait_until([&] { return *r.stopped == 1; }, 5s, 1ms));  // stopped by the shelf at once
}

TEST_CASE("warm shelf: close stops what is on the shelf, launches nothing after, and is idempotent") {
  rig r;
  r.shelf->launch(1);
  REQUIRE(camoufleet::testing::wait_until([&] { return r.ev->ups() == 1; }, 5s, 1ms));
  r.shelf->close();
  CHECK(*r.stopped == 1);
  r.shelf->launch(2);
  r.shelf->close();
  CHECK(r.ev->ups() == 1);
  CHECK(r.shelf->pids().empty());
  CHECK(r.shelf->adopt(1, session_options{}, {}) == nullptr);
}
