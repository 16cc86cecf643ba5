#include "actors/fleet_stats.hpp"

#include <algorithm>

namespace camoufleet {

histogram::histogram(std::vector<double> upper_bounds)
    : bounds(std::move(upper_bounds)), counts(bounds.size() + 1, 0) {}

void histogram::observe(double value) {
  const auto it = std::lower_bound(bounds.begin(), bounds.end(), value);
  ++counts[static_cast<std::size_t>(it - bounds.begin())];
  sum += value;
  ++count;
}

const char* outcome_of(error_code code) {
  switch (code) {
    case error_code::none: return "success";
    case error_code::cancelled: return "cancelled";
    default: return "error";
  }
}

namespace {

// Seconds; chosen for answers that take from well under a second (a cached
// first token) to minutes (a long thinking model).
std::vector<double> latency_bounds() {
  return {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
}

double seconds_between(std::int64_t from_ms, std::int64_t to_ms) {
  return static_cast<double>(std::max<std::int64_t>(0, to_ms - from_ms)) / 1000.0;
}

}  // namespace

fleet_stats::fleet_stats() {
  s_.queue_wait = histogram(latency_bounds());
  s_.ttft = histogram(latency_bounds());
  s_.duration = histogram(latency_bounds());
}

void fleet_stats::started(const completion_request& request, std::int64_t now_ms) {
  request_record r;
  r.id = request.id;
  r.model = request.params.model;
  r.stream = request.stream;
  r.started_ms = now_ms;
  r.caller = request.caller;
  std::lock_guard<std::mutex> lock(mu_);
  running_[request.id] = std::move(r);
}

void fleet_stats::assigned(const std::string& request_id, const std::string& instance_id,
                           std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = running_.find(request_id);
  if (it == running_.end()) return;
  auto& r = it->second;
  r.instance_id = instance_id;
  if (r.queue_wait_s < 0) {
    // The wait before the first instance; a failover is not a queue wait.
    r.queue_wait_s = seconds_between(r.started_ms, now_ms);
    s_.queue_wait.observe(r.queue_wait_s);
  }
}

void fleet_stats::delta(const std::string& request_id, std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = running_.find(request_id);
  if (it == running_.end() || it->second.ttft_s >= 0) return;
  it->second.ttft_s = seconds_between(it->second.started_ms, now_ms);
  s_.ttft.observe(it->second.ttft_s);
}

// Under mu_: removes a running request; false when it is unknown.
bool fleet_stats::take(const std::string& request_id, const std::string& instance_id,
                       request_record& out) {
  auto it = running_.find(request_id);
  if (it == running_.end()) return false;
  out = std::move(it->second);
  running_.erase(it);
  if (!instance_id.empty()) out.instance_id = instance_id;
  return true;
}

void fleet_stats::finished(const request_finished& f, std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  request_record r;
  if (!take(f.request_id, f.instance_id, r)) return;
  if (!f.model.empty()) r.model = f.model;
  if (r.ttft_s < 0) {
    // The whole answer came at once: its first token came with it.
    r.ttft_s = seconds_between(r.started_ms, now_ms);
    s_.ttft.observe(r.ttft_s);
  }
  r.outcome = "success";
  r.prompt_tokens = f.prompt_tokens;
  r.completion_tokens = f.completion_tokens;
  s_.prompt_tokens += static_cast<std::uint64_t>(std::max(0, f.prompt_tokens));
  s_.completion_tokens += static_cast<std::uint64_t>(std::max(0, f.completion_tokens));
  if (!r.caller.empty()) {
    auto& c = s_.callers[r.caller];
    c.prompt_tokens += static_cast<std::uint64_t>(std::max(0, f.prompt_tokens));
    c.completion_tokens += static_cast<std::uint64_t>(std::max(0, f.completion_tokens));
  }
  end(std::move(r), now_ms, true);
}

void fleet_stats::failed(const request_failed& f, std::int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  request_record r;
  if (!take(f.request_id, f.instance_id, r)) return;
  r.outcome = f.code == error_code::cancelled ? "cancelled" : to_string(f.code);
  end(std::move(r), now_ms, false);
}

// Under mu_.
void fleet_stats::end(request_record r, std::int64_t now_ms, bool ok) {
  r.duration_s = seconds_between(r.started_ms, now_ms);
  s_.duration.observe(r.duration_s);
  const std::string outcome = ok ? "success" : (r.outcome == "cancelled" ? "cancelled" : "error");
  ++s_.requests[outcome];
  if (!r.instance_id.empty()) ++s_.instances[r.instance_id].requests[outcome];
  if (!r.caller.empty()) ++s_.callers[r.caller].requests[outcome];
  auto& sample = sample_at(now_ms);
  if (ok) {
    ++sample.completed;
    if (r.ttft_s >= 0) {
      sample.ttft_sum_s += r.ttft_s;
      ++sample.ttft_count;
    }
    sample.duration_sum_s += r.duration_s;
  } else {
    ++sample.failed;
  }
  s_.recent.insert(s_.recent.begin(), std::move(r));
  if (s_.recent.size() > recent_limit) s_.recent.resize(recent_limit);
}

// Under mu_: the sample of now's second, dropping the ones too old.
second_sample& fleet_stats::sample_at(std::int64_t now_ms) {
  const auto second = now_ms / 1000;
  auto& series = s_.series;
  series.erase(std::remove_if(series.begin(), series.end(),
                              [&](const second_sample& x) {
                                return x.second <= second - series_seconds;
                              }),
               series.end());
  if (series.empty() || series.back().second < second) {
    second_sample fresh;
    fresh.second = second;
    series.push_back(fresh);
  }
  return series.back();
}

void fleet_stats::http_answered(const std::string& route, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++s_.http[{route, status}];
}

stats_snapshot fleet_stats::snapshot(std::int64_t now_ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  stats_snapshot out = s_;
  out.series.erase(std::remove_if(out.series.begin(), out.series.end(),
                                  [&](const second_sample& x) {
                                    return x.second <= now_ms / 1000 - series_seconds;
                                  }),
                   out.series.end());
  out.running.reserve(running_.size());
  for (const auto& [id, r] : running_) out.running.push_back(r);
  std::sort(out.running.begin(), out.running.end(),
            [](const request_record& a, const request_record& b) {
              return a.started_ms != b.started_ms ? a.started_ms < b.started_ms : a.id < b.id;
            });
  return out;
}

}  // namespace camoufleet
