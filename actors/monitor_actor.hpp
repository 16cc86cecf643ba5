#pragma once
// Asks every instance for a health check on a fixed interval. Exit events
// from the browsers arrive at once on their own; this tick only catches
// what sends no event (a hung page, a missed timer).

#include <chrono>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

namespace camoufleet {

struct monitor_state {
  std::vector<caf::actor> instances;
  std::chrono::milliseconds interval{30000};
  static const char* name;
};

// Sending health_atom to the monitor runs one round at once (tests, admin).
caf::behavior monitor_actor(caf::stateful_actor<monitor_state>* self,
                            std::vector<caf::actor> instances,
                            std::chrono::milliseconds interval);

}  // namespace camoufleet
