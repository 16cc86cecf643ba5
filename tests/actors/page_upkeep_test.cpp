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
