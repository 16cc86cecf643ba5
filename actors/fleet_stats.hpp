#pragma once
// What the fleet has done, counted where requests are decided and answered:
// per instance outcomes and errors, fleet-wide latency histograms, tokens,
// HTTP answers by route and status, the last requests and a per-second
// series for the dashboard. No CAF: http/ renders it as /metrics and as the
// dashboard's state. Thread-safe (one mutex); every call is short.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/types.hpp"

namespace camoufleet {

// A Prometheus-style histogram: counts[i] observations <= bounds[i] (not
// cumulative), counts.back() the ones above every bound.
struct histogram {
  std::vector<double> bounds;
  std::vector<std::uint64_t> counts;
  double sum = 0;
  std::uint64_t count = 0;

  explicit histogram(std::vector<double> upper_bounds = {});
  void observe(double value);
};

// One request, running or done, as the dashboard lists it.
struct request_record {
  std::string id;
  std::string model;
  std::string instance_id;  // last instance it was given to, "" while queued
  bool stream = false;
  std::string outcome;      // "" running, "success", "cancelled", or an error_code name
  std::int64_t started_ms = 0;   // unix ms
  double queue_wait_s = -1;      // -1: not assigned yet
  double ttft_s = -1;            // -1: no delta yet
  double duration_s = -1;        // -1: still running
  int prompt_tokens = 0;
  int completion_tokens = 0;
  std::string caller;  // its API key's name ("" without keys)
};

// What one API key (by its name) asked of the fleet: ended requests by
// outcome, and the tokens of their answers as the site counted them.
struct caller_counters {
  std::map<std::string, std::uint64_t> requests;  // by outcome
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
};

// Requests ended in one second (for the dashboard's charts).
struct second_sample {
  std::int64_t second = 0;  // unix seconds
  int completed = 0;
  int failed = 0;
  double ttft_sum_s = 0;
  int ttft_count = 0;
  double duration_sum_s = 0;
};

// (Errors by kind are counted by the instances themselves: instance_view.)
struct instance_counters {
  std::map<std::string, std::uint64_t> requests;  // by outcome: success, error, cancelled
};

struct stats_snapshot {
  std::map<std::string, instance_counters> instances;  // by instance id
  std::map<std::string, std::uint64_t> requests;       // fleet-wide, by outcome
  histogram queue_wait, ttft, duration;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::map<std::pair<std::string, int>, std::uint64_t> http;  // (route, status) -> count
  std::map<std::string, caller_counters> callers;             // by key name; none without keys
  std::vector<request_record> running;  // oldest first
  std::vector<request_record> recent;   // newest first
  std::vector<second_sample> series;    // oldest first, the last series_seconds
};

// "success", "cancelled" or "error": the outcome label of a request.
const char* outcome_of(error_code code);

class fleet_stats {
 public:
  static constexpr std::size_t recent_limit = 50;
  static constexpr std::int64_t series_seconds = 60;

  fleet_stats();

  // The request lifecycle (times in unix ms).
  void started(const completion_request& request, std::int64_t now_ms);
  void assigned(const std::string& request_id, const std::string& instance_id,
                std::int64_t now_ms);
  void delta(const std::string& request_id, std::int64_t now_ms);
  void finished(const request_finished& f, std::int64_t now_ms);
  void failed(const request_failed& f, std::int64_t now_ms);

  // One HTTP answer; route is a fixed label ("/v1/chat/completions").
  void http_answered(const std::string& route, int status);

  stats_snapshot snapshot(std::int64_t now_ms) const;

 private:
  bool take(const std::string& request_id, const std::string& instance_id, request_record& out);
  void end(request_record r, std::int64_t now_ms, bool ok);
  second_sample& sample_at(std::int64_t now_ms);

  mutable std::mutex mu_;
  stats_snapshot s_;
  std::unordered_map<std::string, request_record> running_;
};

}  // namespace camoufleet
