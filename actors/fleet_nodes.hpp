#pragma once
// The fleet's part in issue 19, apart from fleet.cpp: what a head or a node
// adds to the actor system (CAF's middleman, its OpenSSL module) and the
// actors it spawns for that (the head's published registry, a node's agent).

#include <chrono>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/fleet.hpp"

namespace camoufleet {

// Loads the middleman (and with TLS settings the OpenSSL module) into cfg
// when o makes this a head or a node; before the actor system is built.
void configure_for_nodes(caf::actor_system_config& cfg, const node_options& o);

// Node: the agent that stands in for the balancer and joins the head.
caf::actor spawn_node_agent(caf::actor_system& sys, const node_options& o);

// Head: spawns the registry for balancer and publishes it on
// o.listen_host:o.listen_port. Returns the bound port, or "" in error with
// the reason (the registry is then stopped again).
struct published_registry {
  caf::actor registry;
  int port = -1;
  std::string error;
};
published_registry publish_registry(caf::actor_system& sys, caf::actor balancer,
                                    const node_options& o, std::chrono::milliseconds ask_timeout);

}  // namespace camoufleet
