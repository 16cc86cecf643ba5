// What the balancer leaves in CAF's clock. CAF 0.17 keeps a request's
// timeout until it fires, answered or not, and every delayed message until
// it is due: one job deadline (390 s) and one queue expiry (120 s) per
// request made camoufleet's memory grow ~0.42 MB per 1000 requests for
// minutes (bench P7). On the deterministic scheduler the clock's schedule
// is read directly.

#include <doctest/doctest.h>

#include "balancer_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;

TEST_CASE("balancer (deterministic): answered and queued requests leave no timers behind in CAF's clock") {
  deterministic_fixture fx(config_with());
  fx.add_instances(1);
  const auto pending = [&] { return fx.sched->clock().schedule().size(); };
  const auto at_rest = pending();

  // An answered request takes its deadline with it.
  for (int i = 0; i < 30; ++i) {
    const auto id = "s" + std::to_string(i);
    fx.submit(id);
    fx.complete("instance_1", id);
    REQUIRE(fx.j.all<request_finished>(id).size() == 1);
  }
  CHECK(pending() == at_rest);

  // A queue of twenty waits on one expiry, not twenty.
  fx.submit("r0");
  for (int i = 1; i <= 20; ++i) fx.submit("q" + std::to_string(i));
  CHECK(fx.view().queue.size() == 20);
  CHECK(pending() == at_rest + 2);  // r0's deadline and the queue's next expiry
  fx.complete("instance_1", "r0");
  for (int i = 1; i <= 20; ++i) {
    const auto id = "q" + std::to_string(i);
    fx.complete("instance_1", id);
    REQUIRE(fx.j.all<request_finished>(id).size() == 1);
  }
  CHECK(fx.view().queue.empty());
  CHECK(pending() <= at_rest + 1);  // at most the expiry, due in 120 s
  fx.advance(121s);
  CHECK(pending() == at_rest);

  // The expiry still ends a request that waited too long.
  fx.submit("busy");
  fx.submit("late");
  fx.advance(120s);
  REQUIRE(fx.j.done("late"));
  CHECK(fx.j.all<request_failed>("late").at(0).code == error_code::queue_timeout);
  fx.complete("instance_1", "busy");
  CHECK(pending() == at_rest);
}

TEST_CASE("balancer (deterministic): a job whose instance died holding it keeps its deadline until due, then nothing is left") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  const auto pending = [&] { return fx.sched->clock().schedule().size(); };
  const auto at_rest = pending();
  fx.submit("r");
  const auto first = fx.j.jobs.back().first;
  const auto other = first == "instance_1" ? std::string("instance_2") : std::string("instance_1");
  // The instance actor dies holding the job: no answer will ever come, so
  // CAF's handler for it waits on the deadline, which must stay to end it.
  caf::anon_send_exit(fx.instances.at(first), caf::exit_reason::kill);
  fx.run();
  REQUIRE(fx.j.jobs.back().first == other);  // failed over before any delta
  fx.complete(other, "r");
  REQUIRE(fx.j.all<request_finished>("r").size() == 1);
  CHECK(pending() == at_rest + 1);  // the dead job's deadline (390 s)
  fx.advance(391s);
  CHECK(pending() == at_rest);
  CHECK(fx.j.all<request_finished>("r").size() == 1);  // nothing more for the request
}
