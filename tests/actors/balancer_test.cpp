// The balancer and the monitor on CAF's deterministic test scheduler, with
// scripted instance actors: every actor runs on this thread when run() is
// called, and time moves only when advanced, so production timeouts (120 s
// queue wait, 30 s monitor tick) are tested in microseconds.

#include <doctest/doctest.h>

#include "balancer_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
TEST_CASE("balancer (deterministic): 9 sequential requests go 3 each in LRU order") {
  deterministic_fixture fx(config_with());
  fx.add_instances(3);
  std::vector<std::string> order;
  for (int i = 0; i < 9; ++i) {
    auto id = "r" + std::to_string(i);
    fx.submit(id);
    REQUIRE(fx.j.jobs.size() == static_cast<std::size_t>(i + 1));
    order.push_back(fx.j.jobs.back().first);
    fx.complete(order.back(), id);
    REQUIRE(fx.j.done(id));
    CHECK(fx.j.all<request_finished>(id).size() == 1);
  }
  CHECK(order == std::vector<std::string>{"instance_1", "instance_2", "instance_3",
                                          "instance_1", "instance_2", "instance_3",
                                          "instance_1", "instance_2", "instance_3"});
}

TEST_CASE("balancer (deterministic): a freed instance takes the oldest queued request") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  for (int i = 0; i < 5; ++i) fx.submit("r" + std::to_string(i));
  REQUIRE(fx.j.jobs.size() == 2);
  CHECK(fx.view().queue.size() == 3);
  fx.complete("instance_2", "r1");
  REQUIRE(fx.j.jobs.size() == 3);
  CHECK(fx.j.jobs[2] == std::make_pair(std::string("instance_2"), std::string("r2")));
  fx.complete("instance_1", "r0");
  CHECK(fx.j.jobs[3] == std::make_pair(std::string("instance_1"), std::string("r3")));
  auto q = fx.view().queue;
  REQUIRE(q.size() == 1);
  CHECK(q[0].request_id == "r4");
}

TEST_CASE("balancer (deterministic): queue limit refuses with queue_full") {
  deterministic_fixture fx(config_with(2));
  fx.add_instances(1);
  fx.submit("r0");
  fx.submit("r1");
  fx.submit("r2");
  CHECK_FALSE(fx.j.done("r1"));
  CHECK_FALSE(fx.j.done("r2"));
  fx.submit("r3");
  REQUIRE(fx.j.done("r3"));
  auto f = fx.j.all<request_failed>("r3");
  REQUIRE(f.size() == 1);
  CHECK(f[0].code == error_code::queue_full);
  CHECK(f[0].retry_after_s > 0);
  CHECK(f[0].instance_id.empty());
}

TEST_CASE("balancer (deterministic): 120 s queue timeout, time advanced by hand") {
  deterministic_fixture fx(config_with());
  fx.add_instances(1);
  fx.submit("r0");
  fx.submit("r1");
  fx.advance(119s);
  CHECK_FALSE(fx.j.done("r1"));
  CHECK(fx.view().queue.at(0).waiting_ms == 119000);
  fx.advance(1s);
  REQUIRE(fx.j.done("r1"));
  auto f = fx.j.all<request_failed>("r1");
  REQUIRE(f.size() == 1);
  CHECK(f[0].code == error_code::queue_timeout);
  CHECK(fx.view().queue.empty());
  fx.complete("instance_1", "r0");
  CHECK(fx.j.all<request_finished>("r0").size() == 1);
}

TEST_CASE("balancer (deterministic): a stream fails over before its first delta, not after") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  fx.submit("r0", "", true);
  REQUIRE(fx.j.jobs.back().first == "instance_1");
  fx.fail("instance_1", "r0", error_code::browser_gone, false);
  REQUIRE(fx.j.jobs.size() == 2);
  CHECK(fx.j.jobs[1] == std::make_pair(std::string("instance_2"), std::string("r0")));
  CHECK(fx.j.all<request_assigned>("r0").size() == 2);
  fx.complete("instance_2", "r0");
  CHECK(fx.j.all<request_finished>("r0").size() == 1);

  fx.submit("r1", "", true);  // instance_1 is least recently used now
  REQUIRE(fx.j.jobs.back().first == "instance_1");
  fx.fail("instance_1", "r1", error_code::site_error, true);
  REQUIRE(fx.j.done("r1"));
  CHECK(fx.j.jobs.size() == 3);  // not retried
  auto f = fx.j.all<request_failed>("r1");
  REQUIRE(f.size() == 1);
  CHECK(f[0].code == error_code::site_error);
  CHECK(f[0].instance_id == "instance_1");
}

TEST_CASE("balancer (deterministic): a non-stream request fails over even after deltas") {
  // Its reply is written only when whole: the client has received nothing.
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  fx.submit("r0");
  REQUIRE(fx.j.jobs.back().first == "instance_1");
  fx.fail("instance_1", "r0", error_code::browser_gone, true);
  REQUIRE(fx.j.jobs.size() == 2);
  CHECK(fx.j.jobs[1] == std::make_pair(std::string("instance_2"), std::string("r0")));
  CHECK(fx.j.all<request_failed>("r0").empty());
  fx.complete("instance_2", "r0");
  auto done = fx.j.all<request_finished>("r0");
  REQUIRE(done.size() == 1);
  CHECK(done[0].instance_id == "instance_2");
}

TEST_CASE("balancer (deterministic): failover waits for a busy instance it has not tried") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  fx.submit("a");  // instance_1
  fx.submit("b");  // instance_2
  fx.fail("instance_1", "a", error_code::timeout, false);
  // instance_2 is busy: "a" waits at the front of the queue, not on instance_1 again.
  CHECK(fx.j.jobs.size() == 2);
  CHECK_FALSE(fx.j.done("a"));
  fx.submit("c");  // goes to the now free instance_1, "a" may not go there
  CHECK(fx.j.jobs.back() == std::make_pair(std::string("instance_1"), std::string("c")));
  fx.complete("instance_2", "b");
  CHECK(fx.j.jobs.back() == std::make_pair(std::string("instance_2"), std::string("a")));
  fx.complete("instance_2", "a");
  CHECK(fx.j.all<request_finished>("a").size() == 1);
}

TEST_CASE("balancer (deterministic): retries are bounded and never reuse an instance") {
  deterministic_fixture fx(config_with(100, 1));
  fx.add_instances(3);
  fx.submit("r");
  fx.fail(fx.j.jobs.back().first, "r", error_code::rate_limited, false);
  REQUIRE(fx.j.jobs.size() == 2);
  CHECK(fx.j.jobs[0].first != fx.j.jobs[1].first);
  fx.fail(fx.j.jobs.back().first, "r", error_code::rate_limited, false);
  REQUIRE(fx.j.done("r"));
  CHECK(fx.j.jobs.size() == 2);
  CHECK(fx.j.all<request_failed>("r").at(0).code == error_code::rate_limited);
}

TEST_CASE("balancer (deterministic): cancel a queued and a running request") {
  deterministic_fixture fx(config_with());
  fx.add_instances(1);
  fx.submit("running");
  fx.submit("queued");
  CHECK(fx.ask<bool>(cancel_atom::value, std::string("queued")));
  REQUIRE(fx.j.done("queued"));
  CHECK(fx.j.all<request_failed>("queued").at(0).code == error_code::cancelled);
  CHECK(fx.j.all<request_assigned>("queued").empty());
  CHECK(fx.j.cancels["instance_1"] == 0);

  CHECK(fx.ask<bool>(cancel_atom::value, std::string("running")));
  CHECK(fx.j.cancels["instance_1"] == 1);
  REQUIRE(fx.j.done("running"));
  CHECK(fx.j.all<request_failed>("running").at(0).code == error_code::cancelled);
  CHECK(fx.j.jobs.size() == 1);  // a cancel is never failed over

  CHECK_FALSE(fx.ask<bool>(cancel_atom::value, std::string("unknown")));
}

TEST_CASE("balancer (deterministic): cooldown and needs_login move traffic, none left refuses") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  fx.set_status("instance_1", instance_status::cooldown, unix_ms() + 60000);
  for (int i = 0; i < 3; ++i) {
    auto id = "r" + std::to_string(i);
    fx.submit(id);
    CHECK(fx.j.jobs.back().first == "instance_2");
    fx.complete("instance_2", id);
  }
  fx.set_status("instance_2", instance_status::needs_login);
  fx.submit("x");
  REQUIRE(fx.j.done("x"));
  auto f = fx.j.all<request_failed>("x");
  REQUIRE(f.size() == 1);
  CHECK(f[0].code == error_code::no_instances);
  CHECK(f[0].retry_after_s > 50);  // when instance_1's cooldown ends
  CHECK(f[0].retry_after_s <= 60);
  fx.set_status("instance_1", instance_status::ready);
  fx.submit("y");
  CHECK(fx.j.jobs.back() == std::make_pair(std::string("instance_1"), std::string("y")));
}

TEST_CASE("balancer (deterministic): a starting or restarting instance is worth queueing for") {
  deterministic_fixture fx(config_with());
  fx.add_instances(1);
  fx.set_status("instance_1", instance_status::error);
  fx.submit("r");
  CHECK_FALSE(fx.j.done("r"));
  CHECK(fx.view().queue.size() == 1);
  fx.set_status("instance_1", instance_status::ready);
  CHECK(fx.j.jobs.back() == std::make_pair(std::string("instance_1"), std::string("r")));
}

TEST_CASE("balancer (deterministic): an instance that never answers fails over after the deadline") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  fx.submit("r");
  REQUIRE(fx.j.jobs.back().first == "instance_1");
  fx.advance(300s);
  CHECK(fx.j.jobs.size() == 1);  // the instance's own deadlines come first
  fx.advance(100s);              // request timeout + page timeouts + margin
  REQUIRE(fx.j.jobs.size() == 2);
  CHECK(fx.j.jobs.back().first == "instance_2");
  fx.complete("instance_2", "r");
  CHECK(fx.j.all<request_finished>("r").size() == 1);
}

TEST_CASE("balancer (deterministic): unknown models are refused once the list is known") {
  deterministic_fixture fx(config_with());
  fx.add_instances(1);
  fx.submit("early", "anything");  // no list yet: let the page decide
  CHECK(fx.j.jobs.size() == 1);
  fx.complete("instance_1", "early");
  caf::anon_send(fx.balancer,
                 instance_models{"instance_1", {{"gemini-2.5-pro", "Gemini 2.5 Pro"}}});
  fx.run();
  auto models = fx.ask<std::vector<core::model_info>>(caf::get_atom::value, models_atom::value);
  REQUIRE(models.size() == 1);
  fx.submit("bad", "gpt-4o");
  REQUIRE(fx.j.done("bad"));
  CHECK(fx.j.all<request_failed>("bad").at(0).code == error_code::unknown_model);
  fx.submit("good", "models/gemini-2.5-pro");
  CHECK(fx.j.jobs.back().second == "good");
}

TEST_CASE("balancer (deterministic): drain refuses new work and answers when idle") {
  deterministic_fixture fx(config_with());
  fx.add_instances(1);
  fx.submit("running");
  fx.submit("queued");
  auto drained = std::make_shared<int>(0);
  fx.sys->spawn(
      [=](caf::event_based_actor* self, caf::actor b) {
        self->request(b, 3600s, drain_atom::value).then([=](bool) { *drained = 1; });
      },
      fx.balancer);
  fx.run();
  CHECK(*drained == 0);
  REQUIRE(fx.j.done("queued"));
  CHECK(fx.j.all<request_failed>("queued").at(0).code == error_code::shutting_down);
  fx.submit("late");
  CHECK(fx.j.all<request_failed>("late").at(0).code == error_code::shutting_down);
  fx.complete("instance_1", "running");
  CHECK(fx.j.all<request_finished>("running").size() == 1);
  CHECK(*drained == 1);
}

TEST_CASE("monitor (deterministic): a health round every interval") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  std::vector<caf::actor> targets{fx.instances["instance_1"], fx.instances["instance_2"]};
  auto mon = fx.sys->spawn(monitor_actor, targets, std::chrono::milliseconds(30000));
  fx.run();
  CHECK(fx.j.health_checks["instance_1"] == 0);
  fx.advance(29s);
  CHECK(fx.j.health_checks["instance_1"] == 0);
  fx.advance(1s);
  CHECK(fx.j.health_checks["instance_1"] == 1);
  CHECK(fx.j.health_checks["instance_2"] == 1);
  fx.advance(30s);
  CHECK(fx.j.health_checks["instance_1"] == 2);
  caf::anon_send(mon, health_atom::value);  // a round on demand
  fx.run();
  CHECK(fx.j.health_checks["instance_2"] == 3);
  caf::anon_send_exit(mon, caf::exit_reason::user_shutdown);
  fx.run();
}

TEST_CASE("balancer (deterministic): an error sent back to it is logged and it goes on routing") {
  // A peer that does not take one of its messages answers unexpected_message;
  // CAF's default error handler would stop the balancer (and the fleet) on it.
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  caf::anon_send(fx.balancer, caf::make_error(caf::sec::unexpected_message));
  fx.run();
  fx.submit("after the error");
  REQUIRE(fx.j.jobs.size() == 1);
  fx.complete(fx.j.jobs.back().first, "after the error");
  CHECK(fx.j.done("after the error"));
}
