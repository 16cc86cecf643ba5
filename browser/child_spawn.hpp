#pragma once
// fork + exec of one child in its own process group, for owned_child (its
// waiter thread calls it). Internal to browser/.

#include <chrono>
#include <utility>

#include "browser/owned_child.hpp"

namespace camoufleet::browser::detail {

// fork + exec with everything built before the fork (safe in a threaded
// process: the child makes only async-signal-safe calls). Waits at most
// `timeout` for the exec; returns the pid and the read end of the child's
// stderr, or throws with the reason (the child is killed and reaped then).
std::pair<int, int> spawn_child(const owned_child::spec& sp, std::chrono::milliseconds timeout);

}  // namespace camoufleet::browser::detail
