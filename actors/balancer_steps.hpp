#pragma once
// The steps the balancer's handlers are made of, shared by its three files:
// balancer_actor.cpp (the message handlers), balancer_routing.cpp (a
// request's way: an instance, the queue or a refusal; its outcome and
// failover) and balancer_members.cpp (instances that join from nodes or are
// lost). Internal to actors/.

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/all.hpp>

#include "actors/balancer_actor.hpp"
#include "actors/messages.hpp"

namespace camoufleet::balancer_steps {

using self_ptr = caf::stateful_actor<balancer_state>*;

// Seconds a refused client should wait before trying again.
inline constexpr int busy_retry_after_s = 5;
inline constexpr int max_handbacks = 10;

// Queue waits are measured on the actor clock (steady in production,
// hand-driven under CAF's test scheduler), not on wall time.
inline std::int64_t queue_now(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             self->clock().now().time_since_epoch())
      .count();
}

// balancer_routing.cpp
// Ends a request with request_failed to its sink.
void fail(self_ptr self, const std::string& request_id, error_code code, std::string message,
          int retry_after_s = 0, std::string instance_id = {});
// Answers the drain waiters once no request is left.
void check_drained(self_ptr self);
// Finds a place for a request that is not running: an instance now, the
// queue, or a refusal.
void dispatch(self_ptr self, const std::string& request_id, bool failover);
// Gives queued requests to instances that became free, oldest first.
void pump(self_ptr self);
// An instance's word on a request: done, handed back, or failed (failover
// before the first delta).
void on_outcome(self_ptr self, job_outcome o);
// A timer for the queue's next expiry.
void schedule_expiry(self_ptr self);

// balancer_members.cpp
// An instance on a node that went away (or a node replaced by its next
// start): its running request ends as if its browser had crashed, so a
// non-stream one fails over and a stream after its first byte gets an error.
// (id by value: callers pass keys of the map this erases from.)
void lose_member(self_ptr self, std::string id, const std::string& reason);
// A node's instance joins (or joins again after a reconnect).
void add_remote(self_ptr self, node_member& m);
// Logs once that every expected instance finished starting.
void maybe_log_settled(self_ptr self);

}  // namespace camoufleet::balancer_steps
