#pragma once
// The live dashboard at `/`: its page files, built into the binary from
// http/dashboard/ (no CDN, works offline), and the state it renders, which
// /v1/events pushes as JSON. Pure.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "actors/fleet_stats.hpp"
#include "actors/types.hpp"

namespace camoufleet::http {

namespace dashboard_files {
struct embedded_asset {
  const char* name;  // file name, e.g. "app.js"
  const unsigned char* data;
  std::size_t size;
};
// Defined by the generated file (sim/embed_assets.cmake); nullptr when missing.
const embedded_asset* find_asset(const std::string& name);
}  // namespace dashboard_files

const dashboard_files::embedded_asset* find_dashboard_asset(const std::string& name);
const char* dashboard_content_type(const std::string& name);

// {"multi_instance_mode", "counts", "instances", "queue", "running",
//  "recent", "series", "totals"}; times are unix ms. memory: instance id ->
// bytes. Nothing in it depends on the clock alone, so an unchanged fleet
// gives the same text (the server sends only changes).
std::string dashboard_state_json(const fleet_view& fleet, const stats_snapshot& stats,
                                 const std::map<std::string, std::int64_t>& memory,
                                 std::int64_t now_ms);

}  // namespace camoufleet::http
