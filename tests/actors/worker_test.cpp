#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "actors/worker.hpp"
#include "fake_session.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;

TEST_CASE("worker: jobs run in order on its own thread, retire closes the session") {
  fake_world world;
  auto factory = world.factory();
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> order;
  std::thread::id job_thread;
  {
    worker w(100ms);
    browser::session_options o;
    o.instance_id = "instance_1";
    w.post([&](session_slot& slot) {
      slot.set(factory(o, nullptr));
      std::lock_guard<std::mutex> lock(mu);
      job_thread = std::this_thread::get_id();
      order.push_back(1);
    });
    for (int i = 2; i <= 5; ++i) {
      w.post([&, i](session_slot& slot) {
        std::lock_guard<std::mutex> lock(mu);
        if (slot.get() != nullptr) order.push_back(i);
        cv.notify_all();
      });
    }
    {
      std::unique_lock<std::mutex> lock(mu);
      REQUIRE(cv.wait_for(lock, 5s, [&] { return order.size() == 5; }));
    }
    CHECK(order == std::vector<int>{1, 2, 3, 4, 5});
    CHECK((job_thread != std::this_thread::get_id()));
    w.retire();
    REQUIRE(world.wait("instance_1", [](fake_script& s) { return s.closes == 1; }));
    REQUIRE(eventually_true([&] { return w.done(); }));
    w.post([&](session_slot&) { order.push_back(99); });  // ignored once retired
  }
  CHECK(order.size() == 5);
  CHECK(world.with("instance_1", [](fake_script& s) { return s.closes; }) == 1);
}

TEST_CASE("worker: request_stop reaches a running generate from another thread") {
  fake_world world;
  world.script("instance_1").hold_before_first_delta = true;
  auto factory = world.factory();
  std::atomic<int> outcome{0};  // 1 finished, 2 cancelled
  worker w(100ms);
  CHECK_FALSE(w.request_stop());  // no session yet
  browser::session_options o;
  o.instance_id = "instance_1";
  w.post([&](session_slot& slot) { slot.set(factory(o, nullptr)); });
  w.post([&](session_slot& slot) {
    try {
      slot.get()->page().generate({{"user", "x"}}, {}, [](const core::delta&) {}, 5s);
      outcome = 1;
    } catch (const core::driver_error& e) {
      outcome = e.kind() == core::failure_kind::cancelled ? 2 : 3;
    }
  });
  REQUIRE(world.wait("instance_1", [](fake_script& s) { return s.generates == 1; }));
  CHECK(w.request_stop());
  REQUIRE(eventually_true([&] { return outcome.load() != 0; }));
  CHECK(outcome.load() == 2);
}

TEST_CASE("worker: a throwing job does not kill the thread") {
  worker w(100ms);
  std::atomic<bool> ran{false};
  w.post([](session_slot&) { throw std::runtime_error("boom"); });
  w.post([&](session_slot&) { ran = true; });
  CHECK(eventually_true([&] { return ran.load(); }));
}
