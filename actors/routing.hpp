#pragma once
// Which instance gets the next request. Pure: no CAF, no clock.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace camoufleet::routing {

struct candidate {
  std::string id;               // "instance_3"
  bool free = false;            // ready and not holding a request
  std::uint64_t last_used = 0;  // monotonic use stamp, 0 = never used
  bool excluded = false;        // already tried for this request
};

// Numeric-aware id order: instance_2 < instance_10 (a plain string compare
// would send the 10th profile's traffic before the 2nd's).
bool id_less(const std::string& a, const std::string& b);

// The least-recently-used free, non-excluded candidate; ties by id_less.
std::optional<std::string> pick_lru(const std::vector<candidate>& candidates);

}  // namespace camoufleet::routing
