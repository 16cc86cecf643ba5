// /metrics (read back with a strict Prometheus text parser), the dashboard's
// files, /v1/events and the instance actions: the pure renderers directly,
// then the real server over sockets with the scripted fake gateway.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "fake_gateway.hpp"
#include "http/dashboard.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "prometheus_text.hpp"
#include "test_client.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

instance_view instance(const std::string& id, instance_status s, const std::string& file) {
  instance_view i;
  i.id = id;
  i.status = s;
  i.auth_file = file;
  i.browser = "chromium";
  return i;
}

// A fleet of these instances, its queue limited to 4 (members by name: the
// struct grows).
fleet_view fleet_of(bool multi, std::vector<instance_view> instances) {
  fleet_view v;
  v.multi_instance_mode = multi;
  v.instances = std::move(instances);
  v.queue_limit = 4;
  return v;
}

completion_request request(const std::string& id) {
  completion_request r;
  r.id = id;
  r.params.model = "gemini-2.5-pro";
  return r;
}

request_finished finished_on(const std::string& id, const std::string& inst) {
  request_finished f;
  f.request_id = id;
  f.instance_id = inst;
  f.model = "gemini-2.5-pro";
  f.prompt_tokens = 7;
  f.completion_tokens = 5;
  return f;
}

}  // namespace

TEST_CASE("metrics: the text parses strictly and says what the fleet did") {
  fleet_view v;
  auto a = instance("instance_1", instance_status::ready, "alice.json");
  a.restarts = 2;
  a.errors = {{"browser_gone", 2}};
  a.browser_pid = 1234;
  auto b = instance("instance_2", instance_status::cooldown, "we\"ird\\name\n.json");
  b.until_ms = 100000 + 90500;
  b.in_rotation = false;
  v.instances = {a, b};
  v.queue = {queue_entry{"chatcmpl-q", 1200}};
  v.queue_limit = 10;

  fleet_stats stats;
  stats.started(request("r1"), 100000);
  stats.assigned("r1", "instance_1", 100300);
  stats.delta("r1", 100800);
  stats.finished(finished_on("r1", "instance_1"), 102000);
  stats.started(request("r2"), 100000);
  request_failed f;
  f.request_id = "r2";
  f.code = error_code::queue_full;
  stats.failed(f, 100010);
  stats.http_answered("/v1/chat/completions", 200);
  stats.http_answered("/v1/chat/completions", 429);

  const auto text = http::metrics_text(v, stats.snapshot(100000), {{"instance_1", 300000000}},
                                       100000, {3, 4096, 64u << 20, 1, 900});
  prom_text m;
  REQUIRE_NOTHROW(m = parse_prometheus_text(text));
  const std::map<std::string, std::string> i1 = {
      {"instance", "instance_1"}, {"profile", "alice.json"}, {"browser", "chromium"},
      {"node", "local"}};
  CHECK(m.families["camoufleet_instance_state"].type == "gauge");
  CHECK(m.value("camoufleet_instance_state", {{"instance", "instance_1"}, {"state", "ready"}}) == 1);
  CHECK(m.value("camoufleet_instance_state", {{"instance", "instance_1"}, {"state", "busy"}}) == 0);
  CHECK(m.sum("camoufleet_instance_state", {{"instance", "instance_2"}}) == 1);
  // Escaped label values come back as they were.
  CHECK(m.value("camoufleet_instance_state", {{"profile", "we\"ird\\name\n.json"},
                                              {"state", "cooldown"}}) == 1);
  CHECK(m.value("camoufleet_instance_in_rotation", {{"instance", "instance_2"}}) == 0);
  auto with = [&](std::map<std::string, std::string> l, const char* k, const char* val) {
    l[k] = val;
    return l;
  };
  CHECK(m.value("camoufleet_instance_requests_total", with(i1, "outcome", "success")) == 1);
  CHECK(m.value("camoufleet_instance_requests_total", with(i1, "outcome", "error")) == 0);
  CHECK(m.value("camoufleet_instance_errors_total", with(i1, "kind", "browser_gone")) == 2);
  CHECK(m.value("camoufleet_instance_restarts_total", i1) == 2);
  CHECK(m.value("camoufleet_instance_cooldown_remaining_seconds", {{"instance", "instance_2"}}) ==
        doctest::Approx(90.5));
  CHECK(m.value("camoufleet_instance_browser_memory_bytes", i1) == 300000000);
  CHECK(m.value("camoufleet_queue_depth") == 1);
  CHECK(m.value("camoufleet_queue_limit") == 10);
  CHECK(m.value("camoufleet_requests_total", {{"outcome", "success"}}) == 1);
  CHECK(m.value("camoufleet_requests_total", {{"outcome", "error"}}) == 1);
  CHECK(m.families["camoufleet_time_to_first_token_seconds"].type == "histogram");
  CHECK(m.value("camoufleet_time_to_first_token_seconds_count") == 1);
  CHECK(m.value("camoufleet_time_to_first_token_seconds_sum") == doctest::Approx(0.8));
  CHECK(m.value("camoufleet_time_to_first_token_seconds_bucket", {{"le", "0.5"}}) == 0);
  CHECK(m.value("camoufleet_time_to_first_token_seconds_bucket", {{"le", "1"}}) == 1);
  CHECK(m.value("camoufleet_queue_wait_seconds_sum") == doctest::Approx(0.3));
  CHECK(m.value("camoufleet_request_duration_seconds_count") == 2);
  CHECK(m.value("camoufleet_prompt_tokens_total") == 7);
  CHECK(m.value("camoufleet_completion_tokens_total") == 5);
  CHECK(m.value("camoufleet_http_requests_total",
                {{"route", "/v1/chat/completions"}, {"status", "429"}}) == 1);
  CHECK(m.value("camoufleet_responses_kept") == 3);
  CHECK(m.value("camoufleet_responses_kept_bytes") == 4096);
  CHECK(m.value("camoufleet_responses_kept_limit_bytes") == 64 << 20);
  CHECK(m.value("camoufleet_response_streams_kept") == 1);
  CHECK(m.value("camoufleet_response_streams_kept_bytes") == 900);
}

TEST_CASE("prometheus parser: refuses what Prometheus refuses") {
  const char* bad[] = {
      "x 1\n",                                                    // no TYPE
      "# TYPE x_total counter\nx_total{a=\"1\"} 1\nx_total{a=\"1\"} 2\n",  // duplicate
      "# TYPE x counter\nx 1\n",                                  // counter not *_total
      "# TYPE x gauge\nx{a=1} 1\n",                               // unquoted label
      "# TYPE x gauge\nx{a=\"\\q\"} 1\n",                         // bad escape
      "# TYPE x gauge\nx one\n",                                  // bad value
      "# TYPE 1x gauge\n",                                        // bad name
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 3\nh_sum 1\n",
  };
  for (const char* text : bad) {
    CAPTURE(text);
    CHECK_THROWS_AS(parse_prometheus_text(text), prom_parse_error);
  }
  CHECK_NOTHROW(parse_prometheus_text("# HELP x_total Things.\n# TYPE x_total counter\n"
                                      "x_total{a=\"q\\\"\\n\"} 3 1700000000000\n"));
}

TEST_CASE("dashboard: state JSON and the built-in files") {
  fleet_view v;
  auto a = instance("instance_1", instance_status::cooldown, "alice.json");
  a.until_ms = 5000;
  a.reason = "rate limited";
  v.instances = {a};
  fleet_stats stats;
  stats.started(request("r1"), 1000);
  stats.assigned("r1", "instance_1", 1100);
  auto j = json::parse(http::dashboard_state_json(v, stats.snapshot(2000), {}, 2000));
  CHECK(j["counts"]["cooldown"] == 1);
  CHECK(j["instances"][0]["reason"] == "rate limited");
  CHECK(j["instances"][0]["cooldown_until"] == 5000);
  CHECK(j["running"][0]["id"] == "r1");
  CHECK(j["running"][0]["instance"] == "instance_1");
  CHECK(j["spares"]["wanted"] == 0);
  CHECK(j["spares"]["browsers"].empty());
  // The same fleet gives the same text a moment later (only changes are sent).
  CHECK(http::dashboard_state_json(v, stats.snapshot(2000), {}, 2000) ==
        http::dashboard_state_json(v, stats.snapshot(2500), {}, 2500));

  // Warm spares show apart, with their memory; a node's by its name.
  v.spares_wanted = 2;
  v.spares = {{1, true, 4242, ""}, {2, false, 0, "node-b"}};
  j = json::parse(http::dashboard_state_json(v, stats.snapshot(2000), {{"spare_1", 3 << 20}}, 2000));
  CHECK(j["spares"]["wanted"] == 2);
  REQUIRE(j["spares"]["browsers"].size() == 2);
  CHECK(j["spares"]["browsers"][0]["id"] == "spare_1");
  CHECK(j["spares"]["browsers"][0]["status"] == "ready");
  CHECK(j["spares"]["browsers"][0]["browser_pid"] == 4242);
  CHECK(j["spares"]["browsers"][0]["memory_bytes"] == 3 << 20);
  CHECK(j["spares"]["browsers"][1]["id"] == "node-b.spare_2");
  CHECK(j["spares"]["browsers"][1]["status"] == "starting");
  CHECK(j["spares"]["browsers"][1]["memory_bytes"].is_null());

  for (const char* name : {"index.html", "app.js", "style.css"}) {
    CAPTURE(name);
    const auto* asset = http::dashboard_files.find(name);
    REQUIRE(asset != nullptr);
    CHECK(asset->size > 100);
  }
  CHECK(http::dashboard_files.find("nothing.js") == nullptr);
  CHECK(std::string(core::content_type_for("app.js")).rfind("text/javascript", 0) == 0);
}

// ---------------------------------------------------------------------------

namespace {

http::server_options observe_options() {
  http::server_options o;
  o.port = 0;
  o.keep_alive_interval = 5s;
  o.request_timeout = 20s;
  o.tick_interval = 50ms;
  return o;
}

struct observe_fixture {
  explicit observe_fixture(http::server_options o = observe_options()) : srv(o, gw) {
    srv.start();
  }
  fake_gateway gw;
  http::server srv;
  int port() const { return srv.port(); }
};

prom_text scrape(int port, const std::map<std::string, std::string>& headers = {}) {
  auto r = http_call(port, "GET", "/metrics", "", headers);
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
  return parse_prometheus_text(r.body);
}

std::string completion(bool stream) {
  return json{{"model", "gemini-2.5-pro"},
              {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})},
              {"stream", stream}}
      .dump();
}

// Reads /v1/events until a state event satisfies `want` or the deadline.
bool wait_state(http_connection& c, std::string& buffer, std::chrono::milliseconds deadline,
                const std::function<bool(const json&)>& want) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    auto chunk = c.next_chunk(left);
    if (!chunk) return false;
    buffer += *chunk;
    for (const auto& ev : parse_sse(buffer)) {
      if (ev.comment) continue;
      auto j = json::parse(ev.data, nullptr, false);
      if (!j.is_discarded() && want(j)) return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("server: /metrics counters move as requests are served") {
  observe_fixture f;
  f.gw.set_fleet(fleet_of(false, {instance("inst-A", instance_status::ready, "a.json")}));
  f.gw.set_script([](const completion_request& r) {
    if (r.stream) {
      request_assigned a;
      a.instance_id = "inst-A";
      request_delta d;
      d.content = "Hel";
      return std::vector<script_step>{{0ms, a}, {30ms, d}, {20ms, finished_on("", "inst-A")}};
    }
    request_failed e;
    e.code = error_code::rate_limited;
    e.instance_id = "inst-A";
    e.retry_after_s = 3;
    return std::vector<script_step>{{10ms, e}};
  });

  const auto before = scrape(f.port());
  CHECK(before.value("camoufleet_requests_total", {{"outcome", "success"}}) == 0);
  CHECK(before.value("camoufleet_time_to_first_token_seconds_count") == 0);

  for (int i = 0; i < 2; ++i)
    CHECK(http_call(f.port(), "POST", "/v1/chat/completions", completion(true)).status == 200);
  CHECK(http_call(f.port(), "POST", "/v1/chat/completions", completion(false)).status == 429);

  prom_text after;
  // The last answer is counted as its reply goes out; give it a moment.
  const auto end = std::chrono::steady_clock::now() + 5s;
  do {
    after = scrape(f.port());
  } while (after.value("camoufleet_http_requests_total",
                       {{"route", "/v1/chat/completions"}, {"status", "429"}}) < 1 &&
           std::chrono::steady_clock::now() < end);
  CHECK(after.value("camoufleet_requests_total", {{"outcome", "success"}}) == 2);
  CHECK(after.value("camoufleet_requests_total", {{"outcome", "error"}}) == 1);
  CHECK(after.value("camoufleet_instance_requests_total",
                    {{"instance", "inst-A"}, {"outcome", "success"}}) == 2);
  CHECK(after.value("camoufleet_time_to_first_token_seconds_count") == 2);
  CHECK(after.value("camoufleet_time_to_first_token_seconds_sum") >= 0.05);
  CHECK(after.value("camoufleet_queue_wait_seconds_count") == 2);
  CHECK(after.value("camoufleet_request_duration_seconds_count") == 3);
  CHECK(after.value("camoufleet_prompt_tokens_total") == 14);
  CHECK(after.value("camoufleet_completion_tokens_total") == 10);
  CHECK(after.value("camoufleet_http_requests_total",
                    {{"route", "/v1/chat/completions"}, {"status", "200"}}) == 2);
  CHECK(after.value("camoufleet_http_requests_total", {{"route", "/metrics"}, {"status", "200"}}) >=
        1);
}

TEST_CASE("server: with keys, /metrics, /v1/events and the actions need one, the page does not") {
  auto o = observe_options();
  o.api_keys = {"sk-dash"};
  observe_fixture f(o);
  f.gw.set_fleet(fleet_of(true, {instance("inst-A", instance_status::ready, "a.json")}));
  CHECK(http_call(f.port(), "GET", "/metrics").status == 401);
  CHECK(http_call(f.port(), "GET", "/v1/events").status == 401);
  CHECK(http_call(f.port(), "POST", "/v1/instances/inst-A/restart").status == 401);
  CHECK(http_call(f.port(), "POST", "/v1/instances/inst-A/pause").status == 401);
  CHECK(http_call(f.port(), "GET", "/v1/instances/inst-A/screenshot").status == 401);
  CHECK(f.gw.restarted().empty());
  auto live = http_call(f.port(), "GET", "/health/live");
  CHECK(live.status == 200);
  CHECK(json::parse(live.body)["api_key_required"] == true);
  auto page = http_call(f.port(), "GET", "/");
  CHECK(page.status == 200);
  CHECK(page.header("content-type").rfind("text/html", 0) == 0);
  CHECK(page.body.find("/dashboard/app.js") != std::string::npos);
  // The page holds no fleet data.
  CHECK(page.body.find("inst-A") == std::string::npos);
  auto js = http_call(f.port(), "GET", "/dashboard/app.js");
  CHECK(js.status == 200);
  CHECK(js.header("content-type").rfind("text/javascript", 0) == 0);
  CHECK(http_call(f.port(), "GET", "/dashboard/nope.js").status == 404);
  const std::map<std::string, std::string> key = {{"Authorization", "Bearer sk-dash"}};
  auto m = scrape(f.port(), key);
  CHECK(m.value("camoufleet_http_requests_total", {{"route", "/metrics"}, {"status", "401"}}) == 1);
  CHECK(http_call(f.port(), "POST", "/v1/instances/inst-A/restart", "", key).status == 200);
  CHECK(f.gw.restarted() == std::vector<std::string>{"inst-A"});
  auto shot = http_call(f.port(), "GET", "/v1/instances/inst-A/screenshot", "", key);
  CHECK(shot.status == 200);
  CHECK(shot.header("content-type") == "image/png");
  CHECK(shot.body == std::string("\x89PNG\r\n\x1a\ninst-A"));
}

TEST_CASE("server: a screenshot that cannot be had is a JSON error with the right status") {
  observe_fixture f;
  f.gw.set_fleet(fleet_of(true, {instance("inst-A", instance_status::ready, "a.json"),
                             instance("inst-B", instance_status::error, "b.json")}));
  auto unknown = http_call(f.port(), "GET", "/v1/instances/inst-Z/screenshot");
  CHECK(unknown.status == 404);
  CHECK(json::parse(unknown.body)["error"]["param"] == "instance_id");
  auto none = http_call(f.port(), "GET", "/v1/instances/inst-B/screenshot");
  CHECK(none.status == 503);
  CHECK(none.header("retry-after") != "");
  CHECK(json::parse(none.body)["error"]["message"].get<std::string>().find("inst-B") !=
        std::string::npos);
}

TEST_CASE("server: /v1/events pushes the state and its changes, actions change it") {
  observe_fixture f;
  f.gw.set_fleet(fleet_of(true, {instance("inst-A", instance_status::ready, "a.json"),
                             instance("inst-B", instance_status::ready, "b.json")}));
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("GET", "/v1/events", "")));
  wire_response head;
  REQUIRE(c.read_head(head, 5s));
  CHECK(head.status == 200);
  CHECK(head.header("content-type") == "text/event-stream");
  std::string buffer;
  REQUIRE(wait_state(c, buffer, 5s, [](const json& j) { return j["counts"]["ready"] == 2; }));

  // A state change reaches the stream within a second.
  fleet_view v = fleet_of(true, {instance("inst-A", instance_status::error, "a.json"),
                instance("inst-B", instance_status::ready, "b.json")});
  v.instances[0].reason = "browser gone: killed";
  f.gw.set_fleet(v);
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(wait_state(c, buffer, 5s, [](const json& j) {
    return j["instances"][0]["status"] == "error" &&
           j["instances"][0]["reason"] == "browser gone: killed";
  }));
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);

  auto paused = http_call(f.port(), "POST", "/v1/instances/inst-B/pause");
  CHECK(paused.status == 200);
  CHECK(json::parse(paused.body) == json{{"id", "inst-B"}, {"in_rotation", false}});
  REQUIRE(wait_state(c, buffer, 5s,
                     [](const json& j) { return j["instances"][1]["in_rotation"] == false; }));
  CHECK(http_call(f.port(), "POST", "/v1/instances/inst-B/resume").status == 200);
  REQUIRE(wait_state(c, buffer, 5s,
                     [](const json& j) { return j["instances"][1]["in_rotation"] == true; }));
  auto unknown = http_call(f.port(), "POST", "/v1/instances/inst-Z/restart");
  CHECK(unknown.status == 404);
  CHECK(json::parse(unknown.body)["error"]["param"] == "instance_id");

  // Draining ends the dashboards' streams at once instead of waiting on them.
  const auto d0 = std::chrono::steady_clock::now();
  CHECK(f.srv.drain(10s));
  CHECK(std::chrono::steady_clock::now() - d0 < 2s);
}
