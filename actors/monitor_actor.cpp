#include "actors/monitor_actor.hpp"
#include "actors/error_replies.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace camoufleet {

const char* monitor_state::name = "monitor";

caf::behavior monitor_actor(caf::stateful_actor<monitor_state>* self,
                            std::vector<caf::actor> instances,
                            std::chrono::milliseconds interval) {
  self->state.instances = std::move(instances);
  self->state.interval = interval;
  log_error_replies(self, "monitor");
  self->delayed_send(self, interval, tick_atom::value);
  auto round = [self] {
    for (const auto& inst : self->state.instances) self->send(inst, health_atom::value);
  };
  return {
    [=](tick_atom) {
      round();
      self->delayed_send(self, self->state.interval, tick_atom::value);
    },
    [=](health_atom) { round(); },
    [=](register_atom, caf::actor inst) { self->state.instances.push_back(std::move(inst)); },
    [=](remove_atom, caf::actor inst) {
      auto& v = self->state.instances;
      v.erase(std::remove(v.begin(), v.end(), inst), v.end());
    },
  };
}

}  // namespace camoufleet
