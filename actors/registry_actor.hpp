#pragma once
// The head's door for nodes (issue 19): published over CAF's middleman, it
// takes a node's hello, checks it (node_link::check_hello, against the peer
// address the middleman saw) and hands the node's instances to the balancer.
// The balancer watches them from then on; the registry keeps no state.

#include <chrono>
#include <string>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>

namespace spdlog {
class logger;
}

namespace camoufleet {

struct registry_config {
  caf::actor balancer;
  std::string secret;  // "" = loopback nodes only
  std::chrono::milliseconds ask_timeout{5000};
};

struct registry_state {
  registry_config cfg;
  std::shared_ptr<spdlog::logger> log;
  static const char* name;
};

caf::behavior registry_actor(caf::stateful_actor<registry_state>* self, registry_config cfg);

}  // namespace camoufleet
