#pragma once
// JSON bodies of the read-only endpoints, built from the gateway's plain
// views. Pure.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/types.hpp"

namespace camoufleet::http {

struct health_reply {
  int status = 200;
  std::string body;
};

// One warm spare as /health, /v1/instances and the dashboard show it: id,
// status, browser_pid, and node_id for a node's.
nlohmann::ordered_json spare_json(const spare_view& s);

// How many instances are in each status.
struct status_counts {
  int total = 0, ready = 0, busy = 0, error = 0, cooldown = 0, needs_login = 0, starting = 0,
      stopping = 0, recycling = 0;
};
status_counts count_statuses(const fleet_view& fleet);

// GET /health. "status": "healthy" (an instance is ready: 200), "busy" (none
// ready but some busy or loading their page afresh: requests queue, 200), "starting" (none ready or busy,
// some still starting: 503), "unhealthy" (none can serve: 503).
health_reply health_json(const fleet_view& fleet, bool multi_instance_mode);
// GET /health/ready: 200 only while an instance is ready to take a request.
health_reply ready_json(const fleet_view& fleet);
// GET /health/live: the process answers (no fleet involved). Also says
// whether the API needs a key, so the dashboard asks for one before calling.
std::string live_json(bool api_key_required);
// GET /v1/instances: the counts, then "instances" with last_used and
// cooldown_until as unix seconds (floats) or null.
std::string instances_json(const fleet_view& fleet);
std::string queue_json(const fleet_view& fleet);
// owned_by "google"; `created` is used for every entry (the site gives none).
std::string models_json(const std::vector<core::model_info>& models, std::int64_t created);

// One entry of the list (GET /v1/models/{id}); "" when the id is unknown.
std::string model_json(const std::vector<core::model_info>& models, const std::string& id,
                       std::int64_t created);

// "2026-11-29T16:50:00.123Z"; unix ms.
std::string iso8601_utc(std::int64_t unix_ms);

}  // namespace camoufleet::http
