// Actor tests of faults: failover, cancels, rate limits and quotas, lost
// logins, crashes, hangs and the monitor, on the real instance/balancer/
// monitor actors with fake browser sessions behind the real interfaces.
// Every wait has a deadline; nothing relies on a fixed sleep.

#include <doctest/doctest.h>

#include <algorithm>

#include "actor_test_support.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;

TEST_CASE("fleet: failure before the first delta fails over to another instance") {
  fleet_fixture fx(2, {}, [](fake_world& w) {
    w.script("instance_1").fail_before_delta = core::failure_kind::site_error;
  });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  auto assigned = fx.events.all<request_assigned>("r1");
  REQUIRE(assigned.size() == 2);
  CHECK(assigned[0].instance_id == "instance_1");
  CHECK(assigned[1].instance_id == "instance_2");
  auto fin = fx.events.all<request_finished>("r1");
  REQUIRE(fin.size() == 1);
  CHECK(fin[0].instance_id == "instance_2");
  CHECK(fin[0].content == "Hello");
  CHECK(fx.events.terminal_count("r1") == 1);
}

TEST_CASE("fleet: failover never revisits an instance and is bounded") {
  fleet_fixture fx(3, [](fleet_options& o) { o.max_retries = 1; }, [](fake_world& w) {
    for (auto id : {"instance_1", "instance_2", "instance_3"})
      w.script(id).fail_before_delta = core::failure_kind::browser_gone;
  });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  auto assigned = fx.events.all<request_assigned>("r1");
  REQUIRE(assigned.size() == 2);  // first try + one failover
  CHECK(assigned[0].instance_id != assigned[1].instance_id);
  auto failed = fx.events.all<request_failed>("r1");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::browser_gone);
}

TEST_CASE("fleet: failure after the first delta ends with an error, no retry") {
  fleet_fixture fx(2, {}, [](fake_world& w) {
    w.script("instance_1").fail_after_delta = core::failure_kind::site_error;
  });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  CHECK(fx.events.all<request_assigned>("r1").size() == 1);
  CHECK_FALSE(fx.events.all<request_delta>("r1").empty());
  auto failed = fx.events.all<request_failed>("r1");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::site_error);
  CHECK(failed[0].instance_id == "instance_1");
  CHECK(fx.world.with("instance_2", [](fake_script& s) { return s.generates; }) == 0);
}

TEST_CASE("fleet: cancel while queued removes it and fails it as cancelled") {
  fleet_fixture fx(1, {}, [](fake_world& w) { w.script("instance_1").hold_after_first_delta = true; });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("running"), fx.events.sink("running"));
  REQUIRE(fx.events.wait_for<request_delta>("running"));
  fx.f->api().submit(make_request("queued"), fx.events.sink("queued"));
  REQUIRE(eventually([&] { return fx.f->snapshot(2s).queue.size() == 1; }));

  std::mutex mu;
  std::condition_variable cv;
  std::optional<bool> answer;
  fx.f->api().cancel("queued", [&](bool ok) {
    std::lock_guard<std::mutex> lock(mu);
    answer = ok;
    cv.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    REQUIRE(cv.wait_for(lock, 5s, [&] { return answer.has_value(); }));
  }
  CHECK(*answer);
  REQUIRE(fx.events.wait_done("queued"));
  auto failed = fx.events.all<request_failed>("queued");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::cancelled);
  CHECK(fx.f->snapshot(2s).queue.empty());
  fx.world.release("instance_1");
  REQUIRE(fx.events.wait_done("running"));
  CHECK(fx.world.with("instance_1", [](fake_script& s) { return s.generates; }) == 1);
}

TEST_CASE("fleet: cancel while running stops the page and is not retried") {
  fleet_fixture fx(2, {}, [](fake_world& w) {
    w.script("instance_1").hold_after_first_delta = true;
  });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_for<request_delta>("r1"));
  std::atomic<int> answer{-1};
  fx.f->api().cancel("r1", [&](bool ok) { answer = ok ? 1 : 0; });
  REQUIRE(fx.events.wait_done("r1"));
  CHECK(fx.world.with("instance_1", [](fake_script& s) { return s.stops_requested; }) >= 1);
  auto failed = fx.events.all<request_failed>("r1");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::cancelled);
  CHECK(fx.events.all<request_assigned>("r1").size() == 1);
  REQUIRE(eventually([&] { return answer.load() >= 0; }, 5s));
  CHECK(answer.load() == 1);
  // The page is fine after a cancel: the instance serves again.
  REQUIRE(eventually([&] { return fx.status_of("instance_1") == instance_status::ready; }));
  std::atomic<int> unknown{-1};
  fx.f->api().cancel("no-such-request", [&](bool ok) { unknown = ok ? 1 : 0; });
  REQUIRE(eventually([&] { return unknown.load() >= 0; }, 5s));
  CHECK(unknown.load() == 0);
}

TEST_CASE("fleet: rate limit cools an instance down, traffic moves, then it returns") {
  // Long enough that the checks below run well inside it on a loaded machine.
  fleet_fixture fx(2, [](fleet_options& o) { o.timing.rate_limit_cooldown = 3s; },
                   [](fake_world& w) {
                     auto& s = w.script("instance_1");
                     s.fail_before_delta = core::failure_kind::rate_limited;
                     s.fail_once = true;
                   });
  REQUIRE(fx.f->wait_settled(10s));
  const auto t0 = unix_ms();
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  auto fin = fx.events.all<request_finished>("r1");
  REQUIRE(fin.size() == 1);
  CHECK(fin[0].instance_id == "instance_2");
  auto v1 = fx.view_of("instance_1");
  REQUIRE(v1.status == instance_status::cooldown);
  CHECK(v1.until_ms >= t0 + 3000);
  CHECK(v1.until_ms <= unix_ms() + 3000);
  // While it cools, everything goes to instance_2.
  for (int i = 0; i < 3; ++i) {
    auto id = "cooling-" + std::to_string(i);
    fx.f->api().submit(make_request(id), fx.events.sink(id));
    REQUIRE(fx.events.wait_done(id));
    CHECK(assigned_to(fx.events, id) == "instance_2");
  }
  REQUIRE(eventually([&] { return fx.status_of("instance_1") == instance_status::ready; }));
  CHECK(unix_ms() >= v1.until_ms);
  CHECK(fx.world.with("instance_1", [](fake_script& s) { return s.starts; }) == 1);  // no restart
  fx.f->api().submit(make_request("r3"), fx.events.sink("r3"));
  REQUIRE(fx.events.wait_done("r3"));
  CHECK(assigned_to(fx.events, "r3") == "instance_1");  // least recently used
}

TEST_CASE("fleet: a quota failure reports rate_limited with Retry-After when nobody else can serve") {
  fleet_fixture fx(1, [](fleet_options& o) { o.timing.quota_cooldown = 120s; }, [](fake_world& w) {
    w.script("instance_1").fail_before_delta = core::failure_kind::quota_exceeded;
  });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  auto failed = fx.events.all<request_failed>("r1");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::rate_limited);
  CHECK(failed[0].retry_after_s == 120);
  CHECK(fx.status_of("instance_1") == instance_status::cooldown);
  // A new request is refused at once: the only instance is cooling for minutes.
  fx.f->api().submit(make_request("r2"), fx.events.sink("r2"));
  REQUIRE(fx.events.wait_done("r2"));
  auto refused = fx.events.all<request_failed>("r2");
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].code == error_code::no_instances);
  CHECK(refused[0].retry_after_s > 100);
  CHECK(refused[0].retry_after_s <= 120);
}

TEST_CASE("fleet: login lost parks the instance in needs_login without restarts") {
  fleet_fixture fx(2, {}, [](fake_world& w) {
    w.script("instance_1").fail_before_delta = core::failure_kind::login_lost;
  });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  CHECK(fx.events.all<request_finished>("r1").size() == 1);
  CHECK(assigned_to(fx.events, "r1") == "instance_2");
  REQUIRE(eventually([&] { return fx.status_of("instance_1") == instance_status::needs_login; }));
  for (int i = 0; i < 3; ++i) {
    auto id = "after-" + std::to_string(i);
    fx.f->api().submit(make_request(id), fx.events.sink(id));
    REQUIRE(fx.events.wait_done(id));
    CHECK(assigned_to(fx.events, id) == "instance_2");
  }
  // Its browser is closed and not started again.
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.closes == 1; }));
  CHECK(fx.world.with("instance_1", [](fake_script& s) { return s.starts; }) == 1);
  CHECK(fx.status_of("instance_1") == instance_status::needs_login);
  // A new profile brings it back.
  fx.world.with("instance_1", [](fake_script& s) { s.fail_before_delta.reset(); return 0; });
  CHECK(fx.f->reload("instance_1", 2s));
  REQUIRE(eventually([&] { return fx.status_of("instance_1") == instance_status::ready; }));
  CHECK(fx.world.with("instance_1", [](fake_script& s) { return s.starts; }) == 2);
}

TEST_CASE("fleet: all instances needing login refuses with no_instances") {
  fleet_fixture fx(1, {}, [](fake_world& w) {
    w.script("instance_1").start_failure = core::failure_kind::login_lost;
  });
  REQUIRE(fx.f->wait_settled(10s));
  CHECK(fx.status_of("instance_1") == instance_status::needs_login);
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  auto failed = fx.events.all<request_failed>("r1");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::no_instances);
  CHECK(failed[0].retry_after_s > 0);
}

TEST_CASE("fleet: a browser crash restarts it with growing backoff") {
  fleet_fixture fx(1);
  REQUIRE(fx.f->wait_settled(10s));
  fx.world.kill("instance_1");
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.starts == 2; }));
  REQUIRE(eventually([&] { return fx.status_of("instance_1") == instance_status::ready; }));
  CHECK(fx.view_of("instance_1").error_count == 1);

  const auto t0 = std::chrono::steady_clock::now();
  fx.world.kill("instance_1");
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.starts == 3; }));
  const auto waited = std::chrono::steady_clock::now() - t0;
  // Second consecutive crash: the initial 100 ms backoff (less a little: the
  // deadline is kept in whole wall-clock milliseconds); the first was at once.
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count() >= 95);
  REQUIRE(eventually([&] { return fx.status_of("instance_1") == instance_status::ready; }));
  CHECK(fx.view_of("instance_1").error_count == 2);
  // It serves again, and the old browsers were closed.
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  CHECK(fx.events.all<request_finished>("r1").size() == 1);
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.closes >= 2; }));
}

TEST_CASE("fleet: a crash mid-request before any delta fails over") {
  fleet_fixture fx(2, {}, [](fake_world& w) { w.script("instance_1").hold_before_first_delta = true; });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.generates == 1; }));
  fx.world.kill("instance_1");
  REQUIRE(fx.events.wait_done("r1"));
  auto assigned = fx.events.all<request_assigned>("r1");
  REQUIRE(assigned.size() == 2);
  CHECK(assigned[0].instance_id == "instance_1");
  CHECK(assigned[1].instance_id == "instance_2");
  auto fin = fx.events.all<request_finished>("r1");
  REQUIRE(fin.size() == 1);
  CHECK(fin[0].instance_id == "instance_2");
  // The crashed one comes back by itself.
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.starts == 2; }));
}

TEST_CASE("fleet: after a failover the abandoned page's text never reaches the client") {
  fleet_fixture fx(2, {}, [](fake_world& w) {
    auto& s1 = w.script("instance_1");
    s1.hold_before_first_delta = true;
    s1.ignore_stop = true;  // keeps streaming after it was given up
    w.script("instance_2").hold_after_first_delta = true;
  });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.generates == 1; }));
  fx.world.kill("instance_1");
  REQUIRE(fx.events.wait_for<request_delta>("r1"));  // from instance_2, which now holds
  fx.world.release("instance_1");                     // the stale page finishes its answer
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.generate_returns == 1; }));
  fx.world.release("instance_2");
  REQUIRE(fx.events.wait_done("r1"));
  auto deltas = fx.events.all<request_delta>("r1");
  CHECK(deltas.size() == 2);  // instance_2's "Hel", "lo" only
  auto fin = fx.events.all<request_finished>("r1");
  REQUIRE(fin.size() == 1);
  CHECK(fin[0].instance_id == "instance_2");
  CHECK(fin[0].content == "Hello");
}

TEST_CASE("fleet: a crash after the first delta fails the request, no retry") {
  fleet_fixture fx(2, {}, [](fake_world& w) { w.script("instance_1").hold_after_first_delta = true; });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_for<request_delta>("r1"));
  fx.world.kill("instance_1");
  REQUIRE(fx.events.wait_done("r1"));
  auto failed = fx.events.all<request_failed>("r1");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::browser_gone);
  CHECK(fx.events.all<request_assigned>("r1").size() == 1);
  CHECK(fx.world.with("instance_2", [](fake_script& s) { return s.generates; }) == 0);
}

TEST_CASE("fleet: the monitor restarts an instance whose page stops answering") {
  fleet_fixture fx(2, [](fleet_options& o) { o.timing.monitor_interval = 100ms; });
  REQUIRE(fx.f->wait_settled(10s));
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.pings >= 1; }));
  CHECK(fx.world.with("instance_1", [](fake_script& s) { return s.starts; }) == 1);
  fx.world.with("instance_1", [](fake_script& s) { s.ping_ok = false; return 0; });
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.starts >= 2; }));
  fx.world.with("instance_1", [](fake_script& s) { s.ping_ok = true; return 0; });
  REQUIRE(eventually([&] { return fx.status_of("instance_1") == instance_status::ready; }));
  CHECK(fx.view_of("instance_1").error_count >= 1);
  CHECK(fx.world.with("instance_2", [](fake_script& s) { return s.starts; }) == 1);
}

TEST_CASE("fleet: a browser stuck inside a call is abandoned and a fresh one started") {
  fleet_fixture fx(2);
  REQUIRE(fx.f->wait_settled(10s));
  fx.world.with("instance_1", [](fake_script& s) { s.ping_hangs = true; return 0; });
  fx.f->check_health();
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.pings >= 1; }));
  // No answer within 2 x ping timeout + margin: the instance walks away from
  // the stuck worker (asking it to stop) and starts a new browser.
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.starts >= 2; }));
  fx.world.with("instance_1", [](fake_script& s) { s.ping_hangs = false; return 0; });
  REQUIRE(eventually([&] { return fx.status_of("instance_1") == instance_status::ready; }));
  CHECK(fx.view_of("instance_1").error_count == 1);
  CHECK_FALSE(fx.view_of("instance_1").reason.empty());  // last failure stays visible
  // The stuck browser was closed once its call returned.
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.closes >= 1; }));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  CHECK(fx.events.all<request_finished>("r1").size() == 1);
}

TEST_CASE("fleet: a browser start that never returns is abandoned and retried with backoff") {
  fleet_fixture fx(2, [](fleet_options& o) {
    o.timing.monitor_interval = 100ms;
    o.timing.start_timeout = 500ms;
  }, [](fake_world& w) { w.script("instance_1").start_hangs_once = true; });
  // The monitor sees the start past its deadline, abandons it, and the
  // backoff restart brings a fresh browser up.
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.starts >= 2; }));
  REQUIRE(eventually([&] { return fx.status_of("instance_1") == instance_status::ready; }));
  CHECK(fx.view_of("instance_1").error_count == 1);
  CHECK(fx.view_of("instance_1").reason.find("start overran") != std::string::npos);
  // The stuck launch, once it returns, is closed and never used.
  fx.world.release("instance_1");
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.closes >= 1; }));
  CHECK(fx.status_of("instance_1") == instance_status::ready);
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  CHECK(fx.events.all<request_finished>("r1").size() == 1);
}

TEST_CASE("fleet: a non-stream request whose browser fails mid-answer fails over") {
  // Its client has received nothing (the reply is written when whole).
  fleet_fixture fx(2, {}, [](fake_world& w) {
    w.script("instance_1").fail_after_delta = core::failure_kind::browser_gone;
  });
  REQUIRE(fx.f->wait_settled(10s));
  auto r = make_request("r1");
  r.stream = false;
  fx.f->api().submit(std::move(r), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  CHECK(fx.events.all<request_failed>("r1").empty());
  auto done = fx.events.all<request_finished>("r1");
  REQUIRE(done.size() == 1);
  CHECK(done[0].instance_id == "instance_2");
  CHECK(done[0].content == "Hello");
}

TEST_CASE("fleet: a manual health round catches a failing ping") {
  fleet_fixture fx(1);
  REQUIRE(fx.f->wait_settled(10s));
  fx.world.with("instance_1", [](fake_script& s) { s.ping_ok = false; return 0; });
  fx.f->check_health();
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.pings >= 1; }));
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.starts >= 2; }));
}
