#include "http/views.hpp"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace camoufleet::http {

namespace {

using ojson = nlohmann::ordered_json;

std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

ojson string_or_null(const std::string& s) { return s.empty() ? ojson(nullptr) : ojson(s); }
// Unix seconds with the milliseconds kept, as the guide's scripts read them.
ojson seconds_or_null(std::int64_t ms) {
  return ms <= 0 ? ojson(nullptr) : ojson(static_cast<double>(ms) / 1000.0);
}

}  // namespace

std::string iso8601_utc(std::int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  const int millis = static_cast<int>(unix_ms % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // sized for any int fields, so the format cannot truncate
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

status_counts count_statuses(const fleet_view& fleet) {
  status_counts c;
  c.total = static_cast<int>(fleet.instances.size());
  for (const auto& i : fleet.instances) {
    switch (i.status) {
      case instance_status::ready: ++c.ready; break;
      case instance_status::busy: ++c.busy; break;
      case instance_status::error: ++c.error; break;
      case instance_status::cooldown: ++c.cooldown; break;
      case instance_status::needs_login: ++c.needs_login; break;
      case instance_status::starting: ++c.starting; break;
      case instance_status::stopping: ++c.stopping; break;
      case instance_status::recycling: ++c.recycling; break;
    }
  }
  return c;
}

ojson spare_json(const spare_view& s) {
  ojson one{{"id", spare_name(s)},
            {"status", s.ready ? "ready" : "starting"},
            {"browser_pid", s.pid > 0 ? ojson(s.pid) : ojson(nullptr)}};
  if (!s.node_id.empty()) one["node_id"] = s.node_id;
  return one;
}

namespace {

// Warm spare browsers (--spare-browsers): they cost memory, so they show.
ojson spares_json(const fleet_view& fleet) {
  ojson list = ojson::array();
  int ready = 0;
  for (const auto& s : fleet.spares) {
    if (s.ready) ++ready;
    list.push_back(spare_json(s));
  }
  return ojson{{"wanted", fleet.spares_wanted},
               {"ready", ready},
               {"starting", static_cast<int>(fleet.spares.size()) - ready},
               {"browsers", std::move(list)}};
}

}  // namespace

health_reply health_json(const fleet_view& fleet, bool multi_instance_mode) {
  if (!fleet.unanswered.empty()) {
    // Nothing is known of the instances: say so instead of counting zeros.
    return {503, dump(ojson{{"status", "unresponsive"},
                            {"multi_instance_mode", multi_instance_mode},
                            {"reason", fleet.unanswered}})};
  }
  const auto c = count_statuses(fleet);
  // Busy still serves: a request queues and is answered soon, unlike a fleet
  // that is all cooling down or logged out.
  // A page being loaded afresh serves again in seconds, like a busy one.
  const int soon = c.busy + c.recycling;
  const char* status = c.ready > 0      ? "healthy"
                       : soon > 0       ? "busy"
                       : c.starting > 0 ? "starting"
                                        : "unhealthy";
  health_reply r;
  r.status = c.ready + soon > 0 ? 200 : 503;
  ojson j = {{"status", status},
             {"multi_instance_mode", multi_instance_mode},
             {"total_instances", c.total},
             {"ready_instances", c.ready},
             {"busy_instances", c.busy},
             {"error_instances", c.error},
             {"cooldown_instances", c.cooldown},
             {"needs_login_instances", c.needs_login},
             {"starting_instances", c.starting},
             {"recycling_instances", c.recycling},
             {"queue_length", static_cast<int>(fleet.queue.size())}};
  // Joined nodes (issue 19): how many of their instances are here and ready.
  ojson nodes = ojson::object();
  for (const auto& i : fleet.instances) {
    if (i.node_id.empty()) continue;
    auto& n = nodes[i.node_id];
    if (n.is_null()) n = ojson{{"host", i.node_host}, {"instances", 0}, {"ready_instances", 0}};
    n["instances"] = n["instances"].get<int>() + 1;
    if (i.status == instance_status::ready) n["ready_instances"] = n["ready_instances"].get<int>() + 1;
  }
  j["nodes"] = std::move(nodes);
  j["spares"] = spares_json(fleet);
  r.body = dump(j);
  return r;
}

health_reply ready_json(const fleet_view& fleet) {
  if (!fleet.unanswered.empty())
    return {503, dump(ojson{{"status", "not_ready"}, {"reason", fleet.unanswered}})};
  const auto c = count_statuses(fleet);
  health_reply r;
  r.status = c.ready > 0 ? 200 : 503;
  r.body = dump(ojson{{"status", c.ready > 0 ? "ready" : "not_ready"},
                      {"ready_instances", c.ready},
                      {"total_instances", c.total}});
  return r;
}

std::string live_json(bool api_key_required) {
  return dump(ojson{{"status", "alive"}, {"api_key_required", api_key_required}});
}

std::string instances_json(const fleet_view& fleet) {
  const auto c = count_statuses(fleet);
  ojson list = ojson::array();
  for (const auto& i : fleet.instances) {
    list.push_back(ojson{{"id", i.id},
                         {"status", to_string(i.status)},
                         {"port", i.port},
                         {"auth_file", i.auth_file},
                         {"ws_endpoint", string_or_null(i.ws_endpoint)},
                         {"last_used", seconds_or_null(i.last_used_ms)},
                         {"error_count", i.error_count},
                         {"current_request_id", string_or_null(i.current_request_id)},
                         {"reason", string_or_null(i.reason)},
                         {"cooldown_until", seconds_or_null(i.until_ms)},
                         {"served", i.served},
                         {"in_rotation", i.in_rotation},
                         {"restarts", i.restarts},
                         {"recycles", i.recycles},
                         {"page_served", i.page_served},
                         {"browser_pid", i.browser_pid > 0 ? ojson(i.browser_pid) : ojson(nullptr)},
                         {"browser", string_or_null(i.browser)},
                         {"node", string_or_null(i.node_id)},
                         {"node_host", string_or_null(i.node_host)}});
  }
  return dump(ojson{{"total_instances", c.total},
                    {"ready_instances", c.ready},
                    {"busy_instances", c.busy},
                    {"error_instances", c.error},
                    {"instances", std::move(list)},
                    {"spares", spares_json(fleet)}});
}

std::string queue_json(const fleet_view& fleet) {
  ojson requests = ojson::array();
  for (const auto& q : fleet.queue)
    requests.push_back(ojson{{"request_id", q.request_id}, {"waiting_ms", q.waiting_ms}});
  return dump(ojson{{"object", "queue"},
                    {"length", static_cast<int>(fleet.queue.size())},
                    {"limit", fleet.queue_limit},
                    {"requests", std::move(requests)}});
}

namespace {

ojson model_entry(const core::model_info& m, std::int64_t created) {
  ojson entry = {{"id", m.id}, {"object", "model"}, {"created", created}, {"owned_by", "google"}};
  if (!m.display_name.empty()) entry["display_name"] = m.display_name;
  return entry;
}

}  // namespace

std::string models_json(const std::vector<core::model_info>& models, std::int64_t created) {
  ojson data = ojson::array();
  for (const auto& m : models) data.push_back(model_entry(m, created));
  return dump(ojson{{"object", "list"}, {"data", std::move(data)}});
}

std::string model_json(const std::vector<core::model_info>& models, const std::string& id,
                       std::int64_t created) {
  for (const auto& m : models)
    if (m.id == id) return dump(model_entry(m, created));
  return {};
}

}  // namespace camoufleet::http
