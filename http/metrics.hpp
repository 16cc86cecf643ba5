#pragma once
// GET /metrics: the fleet's state and counters in the Prometheus text
// exposition format (version 0.0.4). Pure: the server gathers the fleet
// view, the counters and the browsers' memory, this only writes text.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "actors/fleet_stats.hpp"
#include "actors/types.hpp"

namespace camoufleet::http {

// The Content-Type Prometheus expects for this format.
constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

// The Responses API's memory (--responses-store-mb): the answers kept and
// their bytes, and the kept events of streamed background responses.
struct responses_memory {
  std::size_t kept = 0;
  std::size_t bytes = 0;
  std::size_t limit_bytes = 0;
  std::size_t streams = 0;
  std::size_t stream_bytes = 0;
};

// The server's admission of completion requests by API key name (what
// --max-open-per-key and a key's max_open= bound), now.
struct key_admission {
  std::map<std::string, int> open;               // requests open now
  std::map<std::string, int> limit;              // each limited name's limit
  std::map<std::string, std::uint64_t> refused;  // turned away at it, since the start
};

// memory: instance id -> resident bytes of its browser (missing = unknown, 0).
std::string metrics_text(const fleet_view& fleet, const stats_snapshot& stats,
                         const std::map<std::string, std::int64_t>& memory, std::int64_t now_ms,
                         const responses_memory& responses = {}, const key_admission& keys = {});

// A label value with \, " and newline escaped.
std::string escape_label(const std::string& value);

}  // namespace camoufleet::http
