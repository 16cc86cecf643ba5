#pragma once
// What the balancer reads off its state to decide and to answer: routing
// candidates for a request, whether an instance may serve soon, the fleet
// view. Plain functions of balancer_state (no messages sent).

#include <cstdint>
#include <vector>

#include "actors/balancer_actor.hpp"
#include "actors/routing.hpp"

namespace camoufleet {

// error restarts on its own within the backoff; cooldown and needs_login do
// not come back soon enough to be worth a queue slot.
bool could_serve_later(instance_status s);

// Every instance as a routing candidate for p (free, LRU stamp, tried).
std::vector<routing::candidate> candidates_for(const balancer_state& st,
                                               const balancer_state::pending& p);

// /v1/instances and /health: instances in id order, the queue at `now`.
fleet_view make_view(const balancer_state& st, std::int64_t now);

}  // namespace camoufleet
