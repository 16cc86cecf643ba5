// gateway_impl against balancers that do not answer: the HTTP side must be
// able to tell "the fleet did not answer" from "the fleet has no instances".
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <caf/all.hpp>

#include "actor_test_support.hpp"
#include "actors/gateway_impl.hpp"
#include "actors/messages.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;

namespace {

// Takes fleet questions and never answers them (a wedged balancer).
caf::behavior silent_balancer(caf::event_based_actor* self,
                              std::shared_ptr<std::vector<caf::response_promise>> held) {
  return {
      [=](caf::get_atom, fleet_atom) {
        auto rp = self->make_response_promise();
        held->push_back(rp);
        return rp;
      },
  };
}

fleet_view view_from(gateway_impl& gw) {
  return answer_from<fleet_view>([&](auto done) { gw.fleet(done); });
}

struct system_fixture {
  system_fixture() {
    register_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
};

}  // namespace

TEST_CASE("gateway: a balancer that does not answer is 'unanswered', not an empty fleet") {
  system_fixture f;
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  auto balancer = f.sys->spawn(silent_balancer, held);
  gateway_impl gw(*f.sys, balancer, std::chrono::milliseconds(200));
  auto v = view_from(gw);
  CHECK(v.unanswered.find("did not answer in 200 ms") != std::string::npos);
  CHECK(v.instances.empty());
  gw.close();
  CHECK(view_from(gw).unanswered == "the fleet is shutting down");
  caf::anon_send_exit(balancer, caf::exit_reason::user_shutdown);
}

TEST_CASE("gateway: a balancer that is gone is 'unanswered' at once") {
  system_fixture f;
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  auto balancer = f.sys->spawn(silent_balancer, held);
  caf::anon_send_exit(balancer, caf::exit_reason::kill);
  gateway_impl gw(*f.sys, balancer, std::chrono::seconds(30));
  const auto t0 = std::chrono::steady_clock::now();
  auto v = view_from(gw);
  CHECK_FALSE(v.unanswered.empty());
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
}

namespace {

// Answers every request at once and keeps a weak handle (an address) of
// each request's sink, to see what is left of it afterwards.
struct sink_addresses {
  std::mutex mu;
  std::vector<caf::actor_addr> all;
};

caf::behavior answering_balancer(caf::event_based_actor* self, std::shared_ptr<sink_addresses> sinks) {
  return {
      [=](submit_atom, completion_request& r, caf::actor& sink) {
        {
          std::lock_guard<std::mutex> lock(sinks->mu);
          sinks->all.push_back(sink.address());
        }
        request_finished fin;
        fin.request_id = r.id;
        fin.instance_id = "instance_1";
        fin.content = "done";
        self->send(sink, std::move(fin));
      },
  };
}

std::size_t weak_refs(const caf::actor_addr& a) {
  return caf::actor_cast<caf::actor_control_block*>(a)->weak_refs.load();
}

}  // namespace

TEST_CASE("gateway: a finished request leaves nothing of itself with the balancer") {
  // Each request's sink watches the balancer while it runs; once it is done
  // the balancer must hold nothing of it, or a long-running server keeps
  // ~1 KB per request served (bench P7 found it: RSS grew 1.5 MB per 1000).
  system_fixture f;
  auto sinks = std::make_shared<sink_addresses>();
  auto balancer = f.sys->spawn(answering_balancer, sinks);
  gateway_impl gw(*f.sys, balancer, std::chrono::seconds(5));
  constexpr int n = 20;
  std::atomic<int> answered{0};
  for (int i = 0; i < n; ++i) {
    completion_request r;
    r.id = "r" + std::to_string(i);
    gw.submit(r, [&](const request_event& e) {
      if (std::holds_alternative<request_finished>(e)) ++answered;
    });
  }
  REQUIRE(eventually([&] { return answered.load() == n; }));
  std::vector<caf::actor_addr> seen;
  {
    std::lock_guard<std::mutex> lock(sinks->mu);
    seen.swap(sinks->all);
  }
  REQUIRE(seen.size() == static_cast<std::size_t>(n));
  // Gone (no strong handle left), and only this test's address holds the
  // rest: nothing of them stays registered with the balancer.
  const bool released = eventually([&] {
    for (const auto& a : seen)
      if (caf::actor_cast<caf::actor>(a) || weak_refs(a) != 1) return false;
    return true;
  });
  CHECK(released);
  for (const auto& a : seen) CHECK(weak_refs(a) == 1);
  gw.close();
  caf::anon_send_exit(balancer, caf::exit_reason::user_shutdown);
}
