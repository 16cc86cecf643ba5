#pragma once
// Checks of the setting values alone (ranges, formats, combinations), no file
// system: validate() and the reader both use them. Internal to config/.

#include <optional>
#include <string>

#include "config/settings.hpp"

namespace camoufleet::config {

struct problem {
  std::string flag;
  std::string text;  // starts with the flag
};

// The first value that is out of range, malformed or in a bad combination.
std::optional<problem> find_problem(const settings& s);

// Checked once the keys are loaded: an API anyone on the network can use
// spends every account, so it takes an explicit flag.
std::optional<problem> open_api_problem(const settings& s);
// Checked once the keys are loaded too: a per-key limit without keys.
std::optional<problem> per_key_problem(const settings& s);

}  // namespace camoufleet::config
