#include "http/dashboard.hpp"

#include <nlohmann/json.hpp>

#include "http/views.hpp"

namespace camoufleet::http {

namespace {

using ojson = nlohmann::ordered_json;

ojson ms_or_null(std::int64_t ms) { return ms > 0 ? ojson(ms) : ojson(nullptr); }
ojson seconds_or_null(double s) { return s >= 0 ? ojson(s) : ojson(nullptr); }
ojson text_or_null(const std::string& s) { return s.empty() ? ojson(nullptr) : ojson(s); }

ojson record_json(const request_record& r) {
  return ojson{{"id", r.id},
               {"model", text_or_null(r.model)},
               {"key", text_or_null(r.caller)},
               {"instance", text_or_null(r.instance_id)},
               {"stream", r.stream},
               {"outcome", text_or_null(r.outcome)},
               {"started", r.started_ms},
               {"queue_wait_s", seconds_or_null(r.queue_wait_s)},
               {"ttft_s", seconds_or_null(r.ttft_s)},
               {"duration_s", seconds_or_null(r.duration_s)},
               {"prompt_tokens", r.prompt_tokens},
               {"completion_tokens", r.completion_tokens}};
}

}  // namespace

std::string dashboard_state_json(const fleet_view& fleet, const stats_snapshot& stats,
                                 const std::map<std::string, std::int64_t>& memory,
                                 std::int64_t now_ms) {
  const auto c = count_statuses(fleet);
  ojson instances = ojson::array();
  for (const auto& i : fleet.instances) {
    const auto m = memory.find(i.id);
    const auto counters = stats.instances.find(i.id);
    ojson outcomes = ojson::object();
    if (counters != stats.instances.end())
      for (const auto& [k, n] : counters->second.requests) outcomes[k] = n;
    instances.push_back(ojson{
        {"id", i.id},
        {"status", to_string(i.status)},
        {"reason", text_or_null(i.reason)},
        {"in_rotation", i.in_rotation},
        {"auth_file", i.auth_file},
        {"browser", i.browser},
        {"port", i.port},
        {"current_request_id", text_or_null(i.current_request_id)},
        {"last_used", ms_or_null(i.last_used_ms)},
        {"served", i.served},
        {"outcomes", std::move(outcomes)},
        {"error_count", i.error_count},
        {"errors", i.errors},
        {"restarts", i.restarts},
        {"recycles", i.recycles},
        {"cooldown_until",
         i.status == instance_status::cooldown ? ms_or_null(i.until_ms) : ojson(nullptr)},
        {"memory_bytes", m == memory.end() ? ojson(nullptr) : ojson(m->second)}});
  }
  // Warm spares cost memory without serving: they show apart.
  ojson spares = ojson::array();
  for (const auto& s : fleet.spares) {
    const auto m = memory.find(spare_name(s));
    ojson one = spare_json(s);
    one["memory_bytes"] = m == memory.end() ? ojson(nullptr) : ojson(m->second);
    spares.push_back(std::move(one));
  }
  ojson queue = ojson::array();
  for (const auto& q : fleet.queue)
    queue.push_back(ojson{{"request_id", q.request_id}, {"waiting_ms", q.waiting_ms}});
  ojson running = ojson::array();
  for (const auto& r : stats.running) running.push_back(record_json(r));
  ojson recent = ojson::array();
  for (const auto& r : stats.recent) recent.push_back(record_json(r));
  ojson series = ojson::array();
  for (const auto& x : stats.series) {
    if (x.second <= now_ms / 1000 - fleet_stats::series_seconds) continue;
    series.push_back(ojson{
        {"t", x.second},
        {"completed", x.completed},
        {"failed", x.failed},
        {"ttft_avg_s", x.ttft_count > 0 ? ojson(x.ttft_sum_s / x.ttft_count) : ojson(nullptr)},
        {"duration_avg_s",
         x.completed > 0 ? ojson(x.duration_sum_s / x.completed) : ojson(nullptr)}});
  }
  auto total = [&](const char* k) {
    auto it = stats.requests.find(k);
    return it == stats.requests.end() ? std::uint64_t{0} : it->second;
  };
  ojson j{{"multi_instance_mode", fleet.multi_instance_mode},
          {"counts",
           {{"total", c.total},
            {"ready", c.ready},
            {"busy", c.busy},
            {"error", c.error},
            {"cooldown", c.cooldown},
            {"needs_login", c.needs_login},
            {"starting", c.starting},
            {"stopping", c.stopping},
            {"recycling", c.recycling}}},
          {"instances", std::move(instances)},
          {"spares", {{"wanted", fleet.spares_wanted}, {"browsers", std::move(spares)}}},
          {"queue", {{"length", fleet.queue.size()}, {"limit", fleet.queue_limit},
                     {"requests", std::move(queue)}}},
          {"running", std::move(running)},
          {"recent", std::move(recent)},
          {"series", std::move(series)},
          {"totals",
           {{"success", total("success")},
            {"error", total("error")},
            {"cancelled", total("cancelled")},
            {"prompt_tokens", stats.prompt_tokens},
            {"completion_tokens", stats.completion_tokens}}}};
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace camoufleet::http
