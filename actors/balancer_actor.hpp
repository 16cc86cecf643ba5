#pragma once
// Hands each completion to the least-recently-used ready instance, queues
// when none is free, fails over before the first delta, and answers fleet,
// queue and model queries. Instances register and push their state here.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/request_queue.hpp"
#include "actors/timing.hpp"
#include "actors/types.hpp"

namespace spdlog {
class logger;
}

namespace camoufleet {

struct balancer_config {
  fleet_timing timing;
  std::size_t queue_limit = 100;
  int max_retries = 2;
  bool multi = false;
};

struct balancer_state {
  struct member {
    caf::actor handle;
    instance_view view;
    std::uint64_t use_stamp = 0;  // LRU order: higher = used more recently
    std::string request_id;       // what the balancer gave it, "" = free
    bool in_rotation = true;      // false: taken out by hand, gets nothing new
    bool remote = false;          // joined by a node: watched for its node's loss
  };
  struct pending {
    completion_request request;
    caf::actor sink;
    std::set<std::string> tried;
    int retries = 0;
    int handbacks = 0;
    bool delta_sent = false;
    bool cancelled = false;
    std::string instance;  // where it runs now, "" while queued
  };

  balancer_config cfg;
  request_queue queue{100};
  std::map<std::string, member> instances;
  std::map<std::string, pending> requests;  // queued and running
  std::uint64_t use_counter = 0;
  // When the earliest queue-expiry message this actor has pending fires
  // (0: none): one timer for the queue, not one per queued request.
  std::int64_t expiry_at = 0;
  std::vector<core::model_info> models;
  bool draining = false;
  std::vector<caf::response_promise> drain_waiters;
  bool settled_logged = false;
  std::size_t expected_instances = 0;  // how many the fleet will register
  std::vector<spare_view> spares;      // the warm spare pool, as its actor last said
  int spares_wanted = 0;
  // Each joined node's spare pool, as its agent last said (dropped when the
  // agent goes: the node died or was cut off).
  struct node_spares {
    caf::actor_addr agent;
    std::vector<spare_view> spares;
    int wanted = 0;
  };
  std::map<std::string, node_spares> nodes_spares;
  std::shared_ptr<spdlog::logger> log;

  static const char* name;
};

caf::behavior balancer_actor(caf::stateful_actor<balancer_state>* self, balancer_config cfg);

}  // namespace camoufleet
