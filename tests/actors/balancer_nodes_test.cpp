// The balancer with instances on other nodes (issue 19), on CAF's
// deterministic test scheduler: a node lost mid-request or mid-stream, a
// node's restart, an instance actor that dies.

#include <doctest/doctest.h>

#include "balancer_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
namespace {

// Joins an already registered scripted instance as a node's (issue 19): the
// balancer then watches it and treats its going down as the node's loss.
void join_as_node(deterministic_fixture& fx, const std::string& id, const std::string& node) {
  node_member m;
  m.id = id;
  m.handle = fx.instances.at(id);
  m.view.id = id;
  m.view.status = instance_status::ready;
  m.view.node_id = node;
  m.view.node_host = "127.0.0.1";
  caf::anon_send(fx.balancer, register_atom::value, m);
  fx.run();
}

}  // namespace

TEST_CASE("balancer (deterministic): a node lost mid-request: its instance leaves, the request fails over") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  join_as_node(fx, "instance_1", "n1");
  auto v = fx.view();
  REQUIRE(v.instances.size() == 2);
  CHECK(v.instances[0].node_id == "n1");
  CHECK(v.instances[0].node_host == "127.0.0.1");
  CHECK(v.instances[1].node_id.empty());
  fx.submit("r1");  // LRU: instance_1 first
  REQUIRE(fx.j.jobs_of("instance_1") == std::vector<std::string>{"r1"});
  caf::anon_send_exit(fx.instances.at("instance_1"), caf::exit_reason::remote_link_unreachable);
  fx.run();
  fx.instances.erase("instance_1");
  REQUIRE(fx.view().instances.size() == 1);
  REQUIRE(fx.j.jobs_of("instance_2") == std::vector<std::string>{"r1"});
  fx.complete("instance_2", "r1");
  CHECK(fx.j.all<request_finished>("r1").size() == 1);
  CHECK(fx.j.all<request_failed>("r1").empty());
}

TEST_CASE("balancer (deterministic): a node lost after a stream's first delta: the stream fails") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  join_as_node(fx, "instance_1", "n1");
  fx.submit("s1", "", true);
  REQUIRE(fx.j.jobs_of("instance_1") == std::vector<std::string>{"s1"});
  caf::anon_send(fx.balancer, first_delta{"s1", "instance_1"});
  fx.run();
  caf::anon_send_exit(fx.instances.at("instance_1"), caf::exit_reason::remote_link_unreachable);
  fx.run();
  fx.instances.erase("instance_1");
  auto failed = fx.j.all<request_failed>("s1");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::browser_gone);
  CHECK(fx.j.jobs_of("instance_2").empty());
}

TEST_CASE("balancer (deterministic): a node's new start replaces its old instance") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  join_as_node(fx, "instance_1", "n1");
  fx.submit("r1");
  REQUIRE(fx.j.jobs_of("instance_1") == std::vector<std::string>{"r1"});
  // Same id, another actor (the node came back before its loss was seen):
  // the running request fails over, the new one serves.
  node_member m;
  m.id = "instance_1";
  // Its own hello goes to a stand-in node agent that drops everything.
  auto agent = fx.sys->spawn(
      [](caf::event_based_actor* self, int) {
        // (caf::drop would answer the sender with an error, which ends it.)
        self->set_default_handler(
            [](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
              return caf::message{};
            });
        return caf::behavior{[](int) {}};
      },
      0);
  m.handle = fx.sys->spawn(scripted_instance, agent, std::string("ghost"), &fx.j);
  m.view.id = "instance_1";
  m.view.status = instance_status::ready;
  m.view.node_id = "n1";
  caf::anon_send(fx.balancer, register_atom::value, m);
  fx.run();
  CHECK(fx.j.jobs_of("instance_2") == std::vector<std::string>{"r1"});
  CHECK(fx.view().instances.size() == 2);
  caf::anon_send_exit(m.handle, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
  fx.run();
}

TEST_CASE("balancer (deterministic): a node lost mid-stream: the sink says whether text went out") {
  // Its first_delta may die with the node: the sink's word decides.
  for (const bool text_out : {false, true}) {
    CAPTURE(text_out);
    deterministic_fixture fx(config_with());
    fx.add_instances(2);
    join_as_node(fx, "instance_1", "n1");
    fx.submit("s1", "", true);
    REQUIRE(fx.j.jobs_of("instance_1") == std::vector<std::string>{"s1"});
    if (text_out) caf::anon_send(fx.sink, request_delta{"s1", "par", ""});
    fx.run();
    caf::anon_send_exit(fx.instances.at("instance_1"), caf::exit_reason::remote_link_unreachable);
    fx.run();
    fx.instances.erase("instance_1");
    if (text_out) {
      CHECK(fx.j.all<request_failed>("s1").size() == 1);
      CHECK(fx.j.jobs_of("instance_2").empty());
    } else {
      CHECK(fx.j.all<request_failed>("s1").empty());
      CHECK(fx.j.jobs_of("instance_2") == std::vector<std::string>{"s1"});
    }
  }
}

TEST_CASE("balancer (deterministic): an instance actor that dies mid-request is browser_gone, not a timeout") {
  deterministic_fixture fx(config_with(100, 0));
  fx.add_instances(2);
  fx.submit("r1");
  REQUIRE(fx.j.jobs_of("instance_1") == std::vector<std::string>{"r1"});
  caf::anon_send_exit(fx.instances.at("instance_1"), caf::exit_reason::kill);
  fx.run();
  fx.instances.erase("instance_1");
  auto failed = fx.j.all<request_failed>("r1");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::browser_gone);
  CHECK(failed[0].code != error_code::timeout);
}

TEST_CASE("balancer (deterministic): a node's spares show in the fleet view until its agent goes") {
  deterministic_fixture fx(config_with());
  caf::anon_send(fx.balancer, spares_atom::value, std::vector<spare_view>{{1, true, 111, ""}}, 1);
  // A node agent: what it says of its node's pool arrives from it.
  auto agent = fx.sys->spawn([](caf::event_based_actor*, int) -> caf::behavior { return {[](int) {}}; }, 0);
  caf::send_as(agent, fx.balancer, spares_atom::value, std::string("n1"),
               std::vector<spare_view>{{1, true, 222, "n1"}, {2, false, 0, "n1"}}, 2);
  fx.run();
  auto v = fx.view();
  REQUIRE(v.spares.size() == 3);
  CHECK(v.spares_wanted == 3);
  CHECK(spare_name(v.spares[0]) == "spare_1");
  CHECK(spare_name(v.spares[1]) == "n1.spare_1");
  CHECK(v.spares[1].pid == 222);
  CHECK(spare_name(v.spares[2]) == "n1.spare_2");

  // The node says again: its entry is replaced, not added to.
  caf::send_as(agent, fx.balancer, spares_atom::value, std::string("n1"),
               std::vector<spare_view>{{3, true, 333, "n1"}}, 1);
  fx.run();
  v = fx.view();
  REQUIRE(v.spares.size() == 2);
  CHECK(spare_name(v.spares[1]) == "n1.spare_3");
  CHECK(v.spares_wanted == 2);

  // The node is lost (its agent goes): its spares are no longer the fleet's.
  caf::anon_send_exit(agent, caf::exit_reason::remote_link_unreachable);
  fx.run();
  v = fx.view();
  REQUIRE(v.spares.size() == 1);
  CHECK(spare_name(v.spares[0]) == "spare_1");
  CHECK(v.spares_wanted == 1);
}
