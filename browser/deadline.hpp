#pragma once
// The time left until a deadline, as the timeout of one call in a sequence
// of calls that share the deadline: never below 1 ms, so a call made after
// the deadline still gets a (tiny) timeout of its own and fails by it.

#include <algorithm>
#include <chrono>

namespace camoufleet::browser {

inline std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline) {
  return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now()),
                  std::chrono::milliseconds(1));
}

}  // namespace camoufleet::browser
