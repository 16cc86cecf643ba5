#include "http/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <vector>

namespace camoufleet::http {

namespace {

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

using label_list = std::vector<std::pair<std::string, std::string>>;

std::string labels(const label_list& l) {
  if (l.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (i > 0) out += ',';
    out += l[i].first + "=\"" + escape_label(l[i].second) + '"';
  }
  return out + '}';
}

class writer {
 public:
  void family(const std::string& name, const char* type, const char* help) {
    out_ += "# HELP " + name + ' ' + help + '\n';
    out_ += "# TYPE " + name + ' ' + type + '\n';
  }
  void sample(const std::string& name, const label_list& l, double v) {
    out_ += name + labels(l) + ' ' + number(v) + '\n';
  }
  void hist(const std::string& name, const char* help, const histogram& h) {
    family(name, "histogram", help);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.bounds.size(); ++i) {
      cumulative += h.counts[i];
      sample(name + "_bucket", {{"le", number(h.bounds[i])}}, static_cast<double>(cumulative));
    }
    sample(name + "_bucket", {{"le", "+Inf"}}, static_cast<double>(h.count));
    sample(name + "_sum", {}, h.sum);
    sample(name + "_count", {}, static_cast<double>(h.count));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

label_list instance_labels(const instance_view& i) {
  // node: the `camoufleet node` it runs on, "local" for this process's own.
  return {{"instance", i.id},
          {"profile", i.auth_file},
          {"browser", i.browser},
          {"node", i.node_id.empty() ? "local" : i.node_id}};
}

label_list plus(label_list l, std::string name, std::string value) {
  l.emplace_back(std::move(name), std::move(value));
  return l;
}

const instance_status all_statuses[] = {
    instance_status::starting,    instance_status::ready,    instance_status::busy,
    instance_status::error,       instance_status::cooldown, instance_status::needs_login,
    instance_status::stopping,    instance_status::recycling};

}  // namespace

std::string escape_label(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string metrics_text(const fleet_view& fleet, const stats_snapshot& stats,
                         const std::map<std::string, std::int64_t>& memory, std::int64_t now_ms,
                         const responses_memory& responses, const key_admission& keys) {
  writer w;
  const auto& inst = fleet.instances;

  w.family("camoufleet_instance_state", "gauge",
           "1 for the state the instance is in, 0 for the others.");
  for (const auto& i : inst)
    for (auto s : all_statuses)
      w.sample("camoufleet_instance_state", plus(instance_labels(i), "state", to_string(s)),
               i.status == s ? 1 : 0);

  w.family("camoufleet_instance_in_rotation", "gauge",
           "1 while the instance may get new requests, 0 when taken out by hand.");
  for (const auto& i : inst)
    w.sample("camoufleet_instance_in_rotation", instance_labels(i), i.in_rotation ? 1 : 0);

  w.family("camoufleet_instance_requests_total", "counter",
           "Requests that ended on this instance, by outcome.");
  for (const auto& i : inst) {
    const auto it = stats.instances.find(i.id);
    for (const char* outcome : {"success", "error", "cancelled"}) {
      double n = 0;
      if (it != stats.instances.end()) {
        const auto o = it->second.requests.find(outcome);
        if (o != it->second.requests.end()) n = static_cast<double>(o->second);
      }
      w.sample("camoufleet_instance_requests_total", plus(instance_labels(i), "outcome", outcome),
               n);
    }
  }

  w.family("camoufleet_instance_errors_total", "counter",
           "Errors the instance met (failed requests, crashes, failed starts), by kind.");
  for (const auto& i : inst)
    for (const auto& [kind, n] : i.errors)
      w.sample("camoufleet_instance_errors_total", plus(instance_labels(i), "kind", kind), n);

  w.family("camoufleet_instance_restarts_total", "counter",
           "Browser starts after the first one (crashes, hangs, new profiles, by hand).");
  for (const auto& i : inst)
    w.sample("camoufleet_instance_restarts_total", instance_labels(i), i.restarts);

  w.family("camoufleet_instance_page_recycles_total", "counter",
           "Chat page loads afresh between requests (--page-recycle-after), each giving back the "
           "memory a long-lived page keeps.");
  for (const auto& i : inst)
    w.sample("camoufleet_instance_page_recycles_total", instance_labels(i), i.recycles);

  w.family("camoufleet_instance_cooldown_remaining_seconds", "gauge",
           "Seconds until a cooling-down instance serves again (0 when not cooling down).");
  for (const auto& i : inst) {
    const double left = i.status == instance_status::cooldown && i.until_ms > now_ms
                            ? static_cast<double>(i.until_ms - now_ms) / 1000.0
                            : 0.0;
    w.sample("camoufleet_instance_cooldown_remaining_seconds", instance_labels(i), left);
  }

  w.family("camoufleet_instance_browser_memory_bytes", "gauge",
           "Memory of the instance's browser: the proportional set size of all its processes, split evenly among the instances sharing one browser (--isolation context); 0 when unknown or on another node.");
  for (const auto& i : inst) {
    const auto m = memory.find(i.id);
    w.sample("camoufleet_instance_browser_memory_bytes", instance_labels(i),
             m == memory.end() ? 0.0 : static_cast<double>(m->second));
  }

  w.family("camoufleet_browser_spares", "gauge",
           "Warm spare browsers (--spare-browsers) waiting to take over a crashed instance, by state.");
  int spares_ready = 0;
  for (const auto& s : fleet.spares) spares_ready += s.ready ? 1 : 0;
  w.sample("camoufleet_browser_spares", {{"state", "ready"}}, spares_ready);
  w.sample("camoufleet_browser_spares", {{"state", "starting"}},
           static_cast<double>(fleet.spares.size()) - spares_ready);
  w.family("camoufleet_browser_spares_wanted", "gauge", "Warm spare browsers the pool is kept at.");
  w.sample("camoufleet_browser_spares_wanted", {}, fleet.spares_wanted);
  w.family("camoufleet_spare_browser_memory_bytes", "gauge",
           "Memory of a warm spare browser: the proportional set size of all its processes.");
  for (const auto& s : fleet.spares) {
    const auto m = memory.find(spare_name(s));
    if (m != memory.end())
      w.sample("camoufleet_spare_browser_memory_bytes", {{"spare", m->first}},
               static_cast<double>(m->second));
  }

  w.family("camoufleet_instance_last_used_timestamp_seconds", "gauge",
           "Unix time the instance last got a request (0: never).");
  for (const auto& i : inst)
    w.sample("camoufleet_instance_last_used_timestamp_seconds", instance_labels(i),
             static_cast<double>(i.last_used_ms) / 1000.0);

  w.family("camoufleet_queue_depth", "gauge", "Requests waiting for a free instance.");
  w.sample("camoufleet_queue_depth", {}, static_cast<double>(fleet.queue.size()));
  w.family("camoufleet_queue_limit", "gauge", "How many requests may wait.");
  w.sample("camoufleet_queue_limit", {}, fleet.queue_limit);

  w.family("camoufleet_requests_total", "counter",
           "Completion requests that ended, fleet-wide, by outcome.");
  for (const char* outcome : {"success", "error", "cancelled"}) {
    const auto it = stats.requests.find(outcome);
    w.sample("camoufleet_requests_total", {{"outcome", outcome}},
             it == stats.requests.end() ? 0.0 : static_cast<double>(it->second));
  }

  w.hist("camoufleet_queue_wait_seconds",
         "Time from a request's arrival to its first instance.", stats.queue_wait);
  w.hist("camoufleet_time_to_first_token_seconds",
         "Time from a request's arrival to the first piece of its answer.", stats.ttft);
  w.hist("camoufleet_request_duration_seconds",
         "Time from a request's arrival to its end, any outcome.", stats.duration);

  w.family("camoufleet_prompt_tokens_total", "counter", "Prompt tokens of answered requests.");
  w.sample("camoufleet_prompt_tokens_total", {}, static_cast<double>(stats.prompt_tokens));
  w.family("camoufleet_completion_tokens_total", "counter",
           "Completion tokens of answered requests.");
  w.sample("camoufleet_completion_tokens_total", {}, static_cast<double>(stats.completion_tokens));

  // Per API key (by the name the key file gives it, or its fingerprint);
  // no samples without keys.
  // Every name seen: served, refused, open now or given a limit.
  std::set<std::string> names;
  for (const auto& [name, c] : stats.callers) names.insert(name);
  for (const auto* m : {&keys.open, &keys.limit})
    for (const auto& [name, n] : *m) names.insert(name);
  for (const auto& [name, n] : keys.refused) names.insert(name);
  const auto count_of = [](const auto& map, const std::string& name) {
    const auto it = map.find(name);
    return it == map.end() ? 0.0 : static_cast<double>(it->second);
  };
  w.family("camoufleet_key_requests_total", "counter",
           "Completion requests by API key name and outcome: success, error and cancelled "
           "ended on the fleet; refused were turned away at the key's open-request limit (429).");
  for (const auto& name : names) {
    const auto c = stats.callers.find(name);
    for (const char* outcome : {"success", "error", "cancelled"}) {
      w.sample("camoufleet_key_requests_total", {{"key", name}, {"outcome", outcome}},
               c == stats.callers.end() ? 0.0 : count_of(c->second.requests, outcome));
    }
    w.sample("camoufleet_key_requests_total", {{"key", name}, {"outcome", "refused"}},
             count_of(keys.refused, name));
  }
  w.family("camoufleet_key_open_requests", "gauge",
           "Completion requests of an API key open now: waiting, being answered or running in "
           "the background (what --max-open-per-key and a key's max_open= bound).");
  for (const auto& name : names)
    w.sample("camoufleet_key_open_requests", {{"key", name}}, count_of(keys.open, name));
  w.family("camoufleet_key_open_limit", "gauge",
           "The most completion requests an API key may have open (--max-open-per-key, or its "
           "max_open= in the key file); keys without a limit have no sample.");
  for (const auto& [name, n] : keys.limit)
    w.sample("camoufleet_key_open_limit", {{"key", name}}, n);
  w.family("camoufleet_key_tokens_total", "counter",
           "Tokens of answered requests, by API key name and kind (prompt, completion).");
  for (const auto& [name, c] : stats.callers) {
    w.sample("camoufleet_key_tokens_total", {{"key", name}, {"kind", "prompt"}},
             static_cast<double>(c.prompt_tokens));
    w.sample("camoufleet_key_tokens_total", {{"key", name}, {"kind", "completion"}},
             static_cast<double>(c.completion_tokens));
  }

  w.family("camoufleet_responses_kept", "gauge",
           "Responses API answers kept for previous_response_id and GET (--responses-store-mb).");
  w.sample("camoufleet_responses_kept", {}, static_cast<double>(responses.kept));
  w.family("camoufleet_responses_kept_bytes", "gauge",
           "Bytes the kept answers take, with the conversations they continue.");
  w.sample("camoufleet_responses_kept_bytes", {}, static_cast<double>(responses.bytes));
  w.family("camoufleet_responses_kept_limit_bytes", "gauge",
           "Bytes the kept answers may take before the oldest are forgotten.");
  w.sample("camoufleet_responses_kept_limit_bytes", {}, static_cast<double>(responses.limit_bytes));
  w.family("camoufleet_response_streams_kept", "gauge",
           "Streamed background responses whose events are kept to be read again.");
  w.sample("camoufleet_response_streams_kept", {}, static_cast<double>(responses.streams));
  w.family("camoufleet_response_streams_kept_bytes", "gauge", "Bytes those kept events take.");
  w.sample("camoufleet_response_streams_kept_bytes", {},
           static_cast<double>(responses.stream_bytes));

  w.family("camoufleet_http_requests_total", "counter", "HTTP answers by route and status.");
  for (const auto& [key, n] : stats.http)
    w.sample("camoufleet_http_requests_total",
             {{"route", key.first}, {"status", std::to_string(key.second)}},
             static_cast<double>(n));
  return w.take();
}

}  // namespace camoufleet::http
