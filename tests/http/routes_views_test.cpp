#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "http/routes.hpp"
#include "http/views.hpp"

using namespace camoufleet;
using namespace camoufleet::http;
using nlohmann::json;

TEST_CASE("routes: methods and paths") {
  CHECK(match_route("POST", "/v1/chat/completions").target == endpoint::chat_completions);
  CHECK(match_route("POST", "/v1/chat/completions/").target == endpoint::chat_completions);
  CHECK(match_route("POST", "/v1/chat/completions?x=1").target == endpoint::chat_completions);
  CHECK(match_route("GET", "/v1/models").target == endpoint::models);
  CHECK(match_route("GET", "/health").target == endpoint::health);
  CHECK(match_route("GET", "/v1/instances").target == endpoint::instances);
  CHECK(match_route("GET", "/v1/queue").target == endpoint::queue);
  auto c = match_route("POST", "/v1/cancel/chatcmpl-123abc");
  CHECK(c.target == endpoint::cancel);
  CHECK(c.request_id == "chatcmpl-123abc");
  auto wrong = match_route("GET", "/v1/chat/completions");
  CHECK(wrong.target == endpoint::method_not_allowed);
  CHECK(wrong.allow == "POST");
  CHECK(match_route("DELETE", "/v1/models").allow == "GET");
  CHECK(match_route("GET", "/v1/cancel/abc").target == endpoint::method_not_allowed);
  CHECK(match_route("POST", "/v1/cancel/").target == endpoint::not_found);
  CHECK(match_route("POST", "/v1/cancel/a/b").target == endpoint::not_found);
  CHECK(match_route("POST", "/v1/completions").target == endpoint::text_completions);
  CHECK(route_label(endpoint::text_completions) == std::string("/v1/completions"));
  CHECK(match_route("GET", "/v1/completions").allow == "POST");
  CHECK(match_route("POST", "/v1/completionsx").target == endpoint::not_found);
  CHECK(match_route("GET", "/v1/modelsx").target == endpoint::not_found);

  const auto r = match_route("GET", "/v1/responses/resp_12ab");
  CHECK(r.target == endpoint::response_get);
  CHECK(r.request_id == "resp_12ab");
  CHECK(match_route("DELETE", "/v1/responses/resp_12ab").target == endpoint::response_delete);
  const auto items = match_route("GET", "/v1/responses/resp_12ab/input_items/");
  CHECK(items.target == endpoint::response_input_items);
  CHECK(items.request_id == "resp_12ab");
  CHECK(route_label(items.target) == std::string("/v1/responses/{id}/input_items"));
  CHECK(match_route("POST", "/v1/responses/resp_1/input_items").allow == "GET");
  CHECK(match_route("GET", "/v1/responses//input_items").target == endpoint::not_found);
  CHECK(match_route("GET", "/v1/responses/a/b/input_items").target == endpoint::not_found);
  const auto cancel = match_route("POST", "/v1/responses/resp_12ab/cancel");
  CHECK(cancel.target == endpoint::response_cancel);
  CHECK(cancel.request_id == "resp_12ab");
  CHECK(route_label(cancel.target) == std::string("/v1/responses/{id}/cancel"));
  CHECK(match_route("GET", "/v1/responses/resp_1/cancel").allow == "POST");
  CHECK(match_route("POST", "/v1/responses//cancel").target == endpoint::not_found);
  // A response whose id is "cancel" is still read by GET.
  CHECK(match_route("GET", "/v1/responses/cancel").target == endpoint::response_get);
  CHECK(match_route("GET", "/v1/responses/resp_1/other").target == endpoint::not_found);
}

TEST_CASE("routes: probes, metrics, dashboard and instance actions") {
  CHECK(match_route("GET", "/health/live").target == endpoint::health_live);
  CHECK(match_route("GET", "/health/ready").target == endpoint::health_ready);
  CHECK(match_route("GET", "/metrics").target == endpoint::metrics);
  CHECK(match_route("GET", "/").target == endpoint::dashboard);
  CHECK(match_route("GET", "/v1/events").target == endpoint::events);
  auto asset = match_route("GET", "/dashboard/app.js");
  CHECK(asset.target == endpoint::dashboard_asset);
  CHECK(asset.asset == "app.js");
  CHECK(match_route("GET", "/dashboard/../x").target == endpoint::not_found);
  auto r = match_route("POST", "/v1/instances/instance_2/restart");
  CHECK(r.target == endpoint::instance_restart);
  CHECK(r.instance_id == "instance_2");
  CHECK(match_route("POST", "/v1/instances/instance_2/pause").target == endpoint::instance_pause);
  CHECK(match_route("POST", "/v1/instances/instance_2/resume").target ==
        endpoint::instance_resume);
  auto wrong = match_route("GET", "/v1/instances/instance_2/restart");
  CHECK(wrong.target == endpoint::method_not_allowed);
  CHECK(wrong.allow == "POST");
  auto shot = match_route("GET", "/v1/instances/instance_2/screenshot");
  CHECK(shot.target == endpoint::instance_screenshot);
  CHECK(shot.instance_id == "instance_2");
  CHECK(match_route("POST", "/v1/instances/instance_2/screenshot").allow == "GET");
  CHECK(match_route("POST", "/v1/instances/instance_2/explode").target == endpoint::not_found);
  CHECK(match_route("POST", "/v1/instances/a b/restart").target == endpoint::not_found);
  CHECK(match_route("POST", "/metrics").target == endpoint::method_not_allowed);
}

namespace {

fleet_view sample_fleet() {
  fleet_view f;
  f.multi_instance_mode = true;
  f.queue_limit = 10;
  instance_view a;
  a.id = "inst-1";
  a.status = instance_status::ready;
  a.port = 9222;
  a.auth_file = "alice.json";
  a.ws_endpoint = "ws://127.0.0.1:9222/devtools/browser/x";
  a.last_used_ms = 1764434400123;  // 2025-11-29T16:40:00.123Z
  a.served = 3;
  a.browser = "chromium-headless-shell";
  instance_view b;
  b.id = "inst-2";
  b.status = instance_status::cooldown;
  b.until_ms = 1764434700000;
  b.reason = "rate limited";
  b.current_request_id = "";
  b.error_count = 2;
  instance_view c;
  c.id = "inst-3";
  c.status = instance_status::busy;
  c.current_request_id = "chatcmpl-9";
  instance_view d;
  d.id = "inst-4";
  d.status = instance_status::needs_login;
  f.instances = {a, b, c, d};
  f.queue = {queue_entry{"chatcmpl-q1", 1500}};
  return f;
}

}  // namespace

TEST_CASE("views: health counts and status code") {
  auto h = health_json(sample_fleet(), true);
  CHECK(h.status == 200);
  auto j = json::parse(h.body);
  CHECK(j["status"] == "healthy");
  CHECK(j["multi_instance_mode"] == true);
  CHECK(j["total_instances"] == 4);
  CHECK(j["ready_instances"] == 1);
  CHECK(j["busy_instances"] == 1);
  CHECK(j["error_instances"] == 0);
  CHECK(j["cooldown_instances"] == 1);
  CHECK(j["needs_login_instances"] == 1);
  CHECK(j["starting_instances"] == 0);
  CHECK(j["queue_length"] == 1);

  fleet_view only_busy;
  instance_view busy;
  busy.status = instance_status::busy;
  only_busy.instances = {busy};
  CHECK(health_json(only_busy, false).status == 200);
  CHECK(json::parse(health_json(only_busy, false).body)["status"] == "busy");
  CHECK(ready_json(only_busy).status == 503);
  CHECK(json::parse(ready_json(only_busy).body)["status"] == "not_ready");
  // A page being loaded afresh serves again in seconds: like busy, not down.
  fleet_view reloading;
  instance_view r;
  r.status = instance_status::recycling;
  r.recycles = 3;
  reloading.instances = {r};
  CHECK(health_json(reloading, false).status == 200);
  CHECK(json::parse(health_json(reloading, false).body)["status"] == "busy");
  CHECK(json::parse(health_json(reloading, false).body)["recycling_instances"] == 1);
  CHECK(ready_json(reloading).status == 503);
  CHECK(json::parse(instances_json(reloading))["instances"][0]["recycles"] == 3);
  fleet_view silent;
  silent.unanswered = "the fleet did not answer in 5000 ms";
  auto hs = health_json(silent, true);
  CHECK(hs.status == 503);
  CHECK(json::parse(hs.body)["status"] == "unresponsive");
  CHECK(json::parse(hs.body)["reason"] == silent.unanswered);
  CHECK_FALSE(json::parse(hs.body).contains("total_instances"));
  CHECK(ready_json(silent).status == 503);
  CHECK(json::parse(ready_json(silent).body)["reason"] == silent.unanswered);
  CHECK(ready_json(sample_fleet()).status == 200);
  CHECK(json::parse(ready_json(sample_fleet()).body)["ready_instances"] == 1);

  fleet_view down;
  instance_view e;
  e.status = instance_status::error;
  instance_view s;
  s.status = instance_status::starting;
  down.instances = {e, s};
  auto hd = health_json(down, false);
  CHECK(hd.status == 503);
  CHECK(json::parse(hd.body)["status"] == "starting");
  fleet_view out;
  out.instances = {e};
  CHECK(json::parse(health_json(out, false).body)["status"] == "unhealthy");
  CHECK(health_json(fleet_view{}, false).status == 503);
  CHECK(json::parse(health_json(fleet_view{}, false).body)["status"] == "unhealthy");
  CHECK(json::parse(live_json(false))["status"] == "alive");
  CHECK(json::parse(live_json(true))["api_key_required"] == true);
}

TEST_CASE("views: instances list every field") {
  auto j = json::parse(instances_json(sample_fleet()));
  CHECK(j["total_instances"] == 4);
  CHECK(j["ready_instances"] == 1);
  CHECK(j["busy_instances"] == 1);
  CHECK(j["error_instances"] == 0);
  REQUIRE(j["instances"].size() == 4);
  auto a = j["instances"][0];
  CHECK(a["id"] == "inst-1");
  CHECK(a["status"] == "ready");
  CHECK(a["port"] == 9222);
  CHECK(a["auth_file"] == "alice.json");
  CHECK(a["ws_endpoint"] == "ws://127.0.0.1:9222/devtools/browser/x");
  REQUIRE(a["last_used"].is_number_float());
  CHECK(a["last_used"].get<double>() == doctest::Approx(1764434400.123));
  CHECK(a["error_count"] == 0);
  CHECK(a["current_request_id"].is_null());
  CHECK(a["reason"].is_null());
  CHECK(a["cooldown_until"].is_null());
  CHECK(a["served"] == 3);
  CHECK(a["browser"] == "chromium-headless-shell");  // the executable's name
  auto b = j["instances"][1];
  CHECK(b["status"] == "cooldown");
  CHECK(b["reason"] == "rate limited");
  CHECK(b["cooldown_until"].get<double>() == doctest::Approx(1764434700.0));
  CHECK(b["last_used"].is_null());
  CHECK(b["error_count"] == 2);
  CHECK(b["browser"].is_null());
  CHECK(j["instances"][2]["current_request_id"] == "chatcmpl-9");
  CHECK(j["instances"][3]["status"] == "needs_login");
}

TEST_CASE("views: queue and models") {
  auto q = json::parse(queue_json(sample_fleet()));
  CHECK(q["length"] == 1);
  CHECK(q["limit"] == 10);
  CHECK(q["requests"][0]["request_id"] == "chatcmpl-q1");
  CHECK(q["requests"][0]["waiting_ms"] == 1500);

  auto m = json::parse(models_json({{"gemini-2.5-pro", "Gemini 2.5 Pro"}, {"gemini-2.5-flash", ""}}, 1700000000));
  CHECK(m["object"] == "list");
  REQUIRE(m["data"].size() == 2);
  CHECK(m["data"][0] == json{{"id", "gemini-2.5-pro"}, {"object", "model"}, {"created", 1700000000},
                             {"owned_by", "google"}, {"display_name", "Gemini 2.5 Pro"}});
  CHECK(m["data"][1]["id"] == "gemini-2.5-flash");
  CHECK_FALSE(m["data"][1].contains("display_name"));
  CHECK(iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("views: status names") {
  CHECK(std::string(to_string(instance_status::starting)) == "starting");
  CHECK(std::string(to_string(instance_status::stopping)) == "stopping");
  CHECK(std::string(to_string(instance_status::needs_login)) == "needs_login");
  CHECK(std::string(to_string(instance_status::recycling)) == "recycling");
}

TEST_CASE("routes and views: one model") {
  auto r = match_route("GET", "/v1/models/gemini-2.5-pro");
  CHECK(r.target == endpoint::model);
  CHECK(r.model_id == "gemini-2.5-pro");
  CHECK(match_route("GET", "/v1/models/models/gemini-2.5-pro").model_id == "gemini-2.5-pro");
  CHECK(match_route("POST", "/v1/models/x").target == endpoint::method_not_allowed);
  CHECK(match_route("GET", "/v1/models/a b").target == endpoint::not_found);
  const std::vector<core::model_info> models = {{"gemini-2.5-pro", "Pro"}};
  auto j = json::parse(model_json(models, "gemini-2.5-pro", 5));
  CHECK(j["id"] == "gemini-2.5-pro");
  CHECK(j["object"] == "model");
  CHECK(j["owned_by"] == "google");
  CHECK(model_json(models, "nope", 5).empty());
}

TEST_CASE("views: warm spares show in /health and /v1/instances (issue 21)") {
  fleet_view v = sample_fleet();
  v.spares_wanted = 2;
  v.spares = {{1, true, 4242, ""}, {2, false, 0, ""}};
  auto h = json::parse(health_json(v, true).body)["spares"];
  CHECK(h["wanted"] == 2);
  CHECK(h["ready"] == 1);
  CHECK(h["starting"] == 1);
  REQUIRE(h["browsers"].size() == 2);
  CHECK(h["browsers"][0] == json{{"id", "spare_1"}, {"status", "ready"}, {"browser_pid", 4242}});
  CHECK(h["browsers"][1]["browser_pid"].is_null());
  CHECK(json::parse(instances_json(v))["spares"] == h);
  auto none = json::parse(health_json(sample_fleet(), true).body)["spares"];
  CHECK(none["wanted"] == 0);
  CHECK(none["browsers"].empty());
}
