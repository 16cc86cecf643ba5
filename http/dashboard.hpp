#pragma once
// The live dashboard at `/`: its page files, built into the binary from
// http/dashboard/ (no CDN, works offline), and the state it renders, which
// /v1/events pushes as JSON. Pure.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "actors/fleet_stats.hpp"
#include "core/embedded_files.hpp"
#include "actors/types.hpp"

namespace camoufleet::http {

// Defined by the generated file (cmake/EmbedFiles.cmake).
extern const core::embedded_table dashboard_files;

// {"multi_instance_mode", "counts", "instances", "queue", "running",
//  "recent", "series", "totals"}; times are unix ms. memory: instance id ->
// bytes. Nothing in it depends on the clock alone, so an unchanged fleet
// gives the same text (the server sends only changes).
std::string dashboard_state_json(const fleet_view& fleet, const stats_snapshot& stats,
                                 const std::map<std::string, std::int64_t>& memory,
                                 std::int64_t now_ms);

}  // namespace camoufleet::http
