#include "http/views.hpp"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace camoufleet::http {

namespace {

using ojson = nlohmann::ordered_json;

std::string dump(const ojson& j) { return j.dump(-1, ' ', false, ojson::error_handler_t::replace); }

ojson string_or_null(const std::string& s) { return s.empty() ? ojson(nullptr) : ojson(s); }
ojson time_or_null(std::int64_t ms) { return ms <= 0 ? ojson(nullptr) : ojson(iso8601_utc(ms)); }

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

health_reply health_json(const fleet_view& fleet, bool multi_instance_mode) {
  int ready = 0, busy = 0, error = 0, cooldown = 0, needs_login = 0, starting = 0;
  for (const auto& i : fleet.instances) {
    switch (i.status) {
      case instance_status::ready: ++ready; break;
      case instance_status::busy: ++busy; break;
      case instance_status::error: ++error; break;
      case instance_status::cooldown: ++cooldown; break;
      case instance_status::needs_login: ++needs_login; break;
      case instance_status::starting: ++starting; break;
      case instance_status::stopping: break;
    }
  }
  // Busy counts as able to serve: a request queues and is answered soon,
  // unlike a fleet that is all cooling down or logged out.
  const bool can_serve = ready + busy > 0;
  health_reply r;
  r.status = can_serve ? 200 : 503;
  ojson j = {{"status", can_serve ? "ok" : "unavailable"},
             {"multi_instance_mode", multi_instance_mode},
             {"total_instances", static_cast<int>(fleet.instances.size())},
             {"ready_instances", ready},
             {"busy_instances", busy},
             {"error_instances", error},
             {"cooldown_instances", cooldown},
             {"needs_login_instances", needs_login},
             {"starting_instances", starting},
             {"queue_length", static_cast<int>(fleet.queue.size())}};
  r.body = dump(j);
  return r;
}

std::string instances_json(const fleet_view& fleet) {
  ojson data = ojson::array();
  for (const auto& i : fleet.instances) {
    data.push_back(ojson{{"id", i.id},
                         {"status", to_string(i.status)},
                         {"port", i.port},
                         {"auth_file", i.auth_file},
                         {"ws_endpoint", string_or_null(i.ws_endpoint)},
                         {"last_used", time_or_null(i.last_used_ms)},
                         {"error_count", i.error_count},
                         {"current_request_id", string_or_null(i.current_request_id)},
                         {"reason", string_or_null(i.reason)},
                         {"cooldown_until", time_or_null(i.until_ms)},
                         {"served", i.served}});
  }
  return dump(ojson{{"object", "list"}, {"data", std::move(data)}});
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
