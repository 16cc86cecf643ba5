// Actor tests of a page's upkeep: when an instance asks its page for a
// garbage collection (idle at a health check after it served, or every
// collections_every answers when never idle), on the real instance,
// balancer and monitor actors with fake browser sessions behind the real
// interfaces. Every wait has a deadline.

#include <doctest/doctest.h>

#include "actor_test_support.hpp"
#include "actors/instance_steps.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;

TEST_CASE("fleet: an idle page that served since its last check gets one garbage collection") {
  fleet_fixture fx(1);
  REQUIRE(fx.f->wait_settled(10s));
  auto pings = [&] { return fx.world.with("instance_1", [](fake_script& s) { return s.pings; }); };
  auto collections = [&] { return fx.world.with("instance_1", [](fake_script& s) { return s.collections; }); };
  // A check runs its ping and any collection as one job of the worker, so
  // once the next check's ping ran, the previous check's collection did too.
  auto two_checks = [&] {
    for (int round = 0; round < 2; ++round) {
      const int before = pings();
      REQUIRE(eventually([&] {
        fx.f->check_health();  // skipped while the last ping's answer is on its way
        return pings() > before;
      }));
    }
  };
  two_checks();
  CHECK(collections() == 0);  // nothing served yet
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  two_checks();
  CHECK(collections() == 1);  // once, not at every check
  two_checks();
  CHECK(collections() == 1);
  for (const auto* id : {"r2", "r3"}) {
    fx.f->api().submit(make_request(id), fx.events.sink(id));
    REQUIRE(fx.events.wait_done(id));
  }
  two_checks();
  CHECK(collections() == 2);
}

TEST_CASE("fleet: when a collection is due — idle after any answer, busy every 200 answers") {
  using instance_steps::collections_every;
  using instance_steps::wants_collection;
  CHECK_FALSE(wants_collection(0, 0, true));
  CHECK(wants_collection(1, 0, true));
  CHECK_FALSE(wants_collection(1, 0, false));
  CHECK_FALSE(wants_collection(collections_every - 1, 0, false));
  CHECK(wants_collection(collections_every, 0, false));
  CHECK(wants_collection(2 * collections_every + 5, collections_every, false));

  // A page never found idle at a check still gets one, between two requests.
  fleet_fixture fx(1);
  REQUIRE(fx.f->wait_settled(10s));
  for (int i = 1; i <= collections_every; ++i) {
    const auto id = "busy" + std::to_string(i);
    fx.f->api().submit(make_request(id), fx.events.sink(id));
    REQUIRE(fx.events.wait_done(id));
  }
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.collections >= 1; }));
  fx.f->api().submit(make_request("one more"), fx.events.sink("one more"));
  REQUIRE(fx.events.wait_done("one more"));
  // The next request ran on the worker after the collection job: no second one.
  CHECK(fx.world.with("instance_1", [](fake_script& s) { return s.collections; }) == 1);
}

TEST_CASE("fleet: a page that served --page-recycle-after answers is loaded afresh, out of the rotation meanwhile") {
  CHECK_FALSE(instance_steps::recycle_due(1000000, 0));  // 0: never
  CHECK_FALSE(instance_steps::recycle_due(1, 2));
  CHECK(instance_steps::recycle_due(2, 2));

  fleet_fixture fx(
      2, [](fleet_options& o) { o.timing.page_recycle_after = 1; },
      [](fake_world& w) {
        for (const auto* id : {"instance_1", "instance_2"})
          w.with(id, [](fake_script& s) { s.hold_in_reload = true; return 0; });
      });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  const std::string first = assigned_to(fx.events, "r1");
  const std::string other = first == "instance_1" ? "instance_2" : "instance_1";
  // Its page is being loaded afresh (held in the fake's reload): it takes nothing new.
  REQUIRE(fx.world.wait(first, [](fake_script& s) { return s.reloads == 1; }));
  REQUIRE(eventually([&] { return fx.status_of(first) == instance_status::recycling; }));
  fx.f->api().submit(make_request("r2"), fx.events.sink("r2"));
  REQUIRE(fx.events.wait_done("r2"));
  CHECK(assigned_to(fx.events, "r2") == other);
  CHECK(fx.status_of(first) == instance_status::recycling);  // still held
  // Both reloading now: the next request waits in the queue, then is served.
  REQUIRE(fx.world.wait(other, [](fake_script& s) { return s.reloads == 1; }));
  fx.f->api().submit(make_request("r3"), fx.events.sink("r3"));
  fx.world.release(first);
  REQUIRE(fx.events.wait_done("r3"));
  CHECK(assigned_to(fx.events, "r3") == first);
  CHECK(fx.world.with(first, [](fake_script& s) { return s.reloads_at_generate.back(); }) == 1);
  fx.world.release(other);
  REQUIRE(eventually([&] { return fx.view_of(other).recycles == 1; }));
  CHECK(fx.status_of(other) == instance_status::ready);
  CHECK(fx.view_of(other).page_served == 0);
  CHECK(fx.view_of(other).restarts == 0);  // the browser stayed
  CHECK(fx.view_of(other).error_count == 0);
  for (const auto& id : {first, other})
    CHECK(fx.world.with(id, [](fake_script& s) { return s.starts; }) == 1);
}

TEST_CASE("fleet: a page that does not load again restarts its browser") {
  fleet_fixture fx(
      1, [](fleet_options& o) { o.timing.page_recycle_after = 2; },
      [](fake_world& w) {
        w.with("instance_1", [](fake_script& s) {
          s.reload_failure = core::failure_kind::site_error;
          return 0;
        });
      });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  CHECK(fx.world.with("instance_1", [](fake_script& s) { return s.reloads; }) == 0);  // not due yet
  fx.f->api().submit(make_request("r2"), fx.events.sink("r2"));
  REQUIRE(fx.events.wait_done("r2"));
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.starts == 2; }));
  REQUIRE(eventually([&] { return fx.status_of("instance_1") == instance_status::ready; }));
  const auto v = fx.view_of("instance_1");
  CHECK(v.restarts == 1);
  CHECK(v.recycles == 0);
  CHECK(v.page_served == 0);
  CHECK(v.errors.count("reload_failed") == 1);
  // The fresh browser serves; nothing accepted was lost.
  fx.f->api().submit(make_request("r3"), fx.events.sink("r3"));
  REQUIRE(fx.events.wait_done("r3"));
  CHECK(fx.events.all<request_finished>("r3").size() == 1);
}
