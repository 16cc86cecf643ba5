// gateway_impl against balancers that do not answer: the HTTP side must be
// able to tell "the fleet did not answer" from "the fleet has no instances".
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

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
