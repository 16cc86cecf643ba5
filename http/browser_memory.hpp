#pragma once
// How much browser memory each instance costs, for /metrics and the
// dashboard. Pure: the /proc reader is passed in.

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "actors/types.hpp"

namespace camoufleet::http {

// Reads each browser process once (`read(pid)`: its memory in bytes) and
// splits a browser shared by several instances (--isolation context) evenly
// among them, so the sum over instances is what the browsers cost. Instances
// of other nodes are left out: their pids name processes of another machine.
// Spares appear as "spare_<id>". Instances without a browser pid: absent.
std::map<std::string, std::int64_t> attribute_browser_memory(
    const fleet_view& v, const std::function<std::int64_t(int pid)>& read);

}  // namespace camoufleet::http
