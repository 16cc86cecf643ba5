#pragma once
// The node side of issue 19: on a `camoufleet node`, this actor stands where
// the balancer stands in a server. Its instances register and report to it;
// it joins them to the head's registry over CAF's middleman (hello with the
// node secret), forwards their reports to the head's balancer, and when the
// head goes away it connects again with backoff and joins them once more.
// Requests and their answers go straight between the head and the instances.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/types.hpp"

namespace spdlog {
class logger;
}

namespace camoufleet {

struct node_agent_config {
  std::string head_host;
  std::uint16_t head_port = 0;
  std::string node_id;
  std::string host;    // what this node calls itself
  std::string secret;  // "" = none
  bool tls = false;    // connect through CAF's OpenSSL module
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds reconnect_cap{5000};
};

struct node_agent_state {
  struct member {
    caf::actor handle;
    instance_view view;
    std::vector<core::model_info> models;
  };
  node_agent_config cfg;
  std::map<std::string, member> members;
  caf::actor registry;
  caf::actor balancer;  // the head's; null while not joined
  std::string seen_as;  // this node's address as the head saw it
  std::vector<spare_view> spares;  // the node's warm spare pool, as it last said
  int spares_wanted = 0;
  int failures = 0;     // connection attempts failed in a row
  bool connecting = false;
  bool draining = false;
  std::vector<caf::response_promise> drain_waiters;
  std::shared_ptr<spdlog::logger> log;
  static const char* name;
};

caf::behavior node_agent(caf::stateful_actor<node_agent_state>* self, node_agent_config cfg);

}  // namespace camoufleet
