#pragma once
// JSON bodies of the read-only endpoints, built from the gateway's plain
// views. Pure.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/types.hpp"

namespace camoufleet::http {

struct health_reply {
  int status = 200;  // 200 when some instance can serve (ready or busy), else 503
  std::string body;
};

health_reply health_json(const fleet_view& fleet, bool multi_instance_mode);
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
