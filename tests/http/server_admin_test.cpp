// The real Pistache server's admin side: the fleet view, cancel,
// shutdown and drain, settings mapping, start failures.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "server_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("server: admin endpoints translate the fleet view") {
  auto o = test_options();
  o.multi_instance_mode = true;
  fixture f(o);
  f.gw.set_models({{"gemini-2.5-pro", "Gemini 2.5 Pro"}, {"gemini-2.5-flash", "Flash"}});
  fleet_view v;
  instance_view a;
  a.id = "inst-1";
  a.status = instance_status::ready;
  a.auth_file = "a.json";
  instance_view b;
  b.id = "inst-2";
  b.status = instance_status::error;
  v.instances = {a, b};
  v.queue = {queue_entry{"chatcmpl-x", 42}};
  v.queue_limit = 5;
  f.gw.set_fleet(v);

  auto h = http_call(f.port(), "GET", "/health");
  CHECK(h.status == 200);
  auto hj = json::parse(h.body);
  CHECK(hj["multi_instance_mode"] == true);
  CHECK(hj["ready_instances"] == 1);
  CHECK(hj["error_instances"] == 1);
  CHECK(hj["queue_length"] == 1);

  auto m = json::parse(http_call(f.port(), "GET", "/v1/models").body);
  CHECK(m["data"].size() == 2);
  CHECK(m["data"][0]["owned_by"] == "google");
  auto one = http_call(f.port(), "GET", "/v1/models/gemini-2.5-flash");
  CHECK(one.status == 200);
  CHECK(json::parse(one.body)["id"] == "gemini-2.5-flash");
  auto missing = http_call(f.port(), "GET", "/v1/models/gpt-4");
  CHECK(missing.status == 404);
  CHECK(json::parse(missing.body)["error"]["code"] == "model_not_found");

  auto inst = json::parse(http_call(f.port(), "GET", "/v1/instances").body);
  CHECK(inst["total_instances"] == 2);
  CHECK(inst["instances"][0]["auth_file"] == "a.json");
  CHECK(inst["instances"][1]["status"] == "error");

  auto live = http_call(f.port(), "GET", "/health/live");
  CHECK(live.status == 200);
  CHECK(json::parse(live.body)["status"] == "alive");
  auto ready = http_call(f.port(), "GET", "/health/ready");
  CHECK(ready.status == 200);
  CHECK(json::parse(ready.body)["status"] == "ready");

  auto q = json::parse(http_call(f.port(), "GET", "/v1/queue").body);
  CHECK(q["requests"][0]["request_id"] == "chatcmpl-x");
  CHECK(q["limit"] == 5);

  b.status = instance_status::needs_login;
  a.status = instance_status::cooldown;
  v.instances = {a, b};
  f.gw.set_fleet(v);
  CHECK(http_call(f.port(), "GET", "/health").status == 503);
  CHECK(http_call(f.port(), "GET", "/health/ready").status == 503);
  CHECK(http_call(f.port(), "GET", "/health/live").status == 200);
}

TEST_CASE("server: /v1/cancel cancels a running request and 404s an unknown one") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{20s, finished("never", "inst-A")}};
  });
  wire_response waiting;
  std::thread client([&] {
    waiting = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false), {}, 10s);
  });
  REQUIRE(wait_until([&] { return f.gw.submitted().size() == 1; }, 3s));
  const auto id = f.gw.submitted()[0].id;
  auto c = http_call(f.port(), "POST", "/v1/cancel/" + id);
  CHECK(c.status == 200);
  CHECK(json::parse(c.body)["cancelled"] == true);
  client.join();
  CHECK(waiting.status == 499);
  CHECK(json::parse(waiting.body)["error"]["code"] == "cancelled");
  CHECK(http_call(f.port(), "POST", "/v1/cancel/chatcmpl-unknown").status == 404);
}

TEST_CASE("server: shutdown answers what is in flight") {
  auto f = std::make_unique<fixture>();
  f->gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{20s, finished("never", "inst-A")}};
  });
  wire_response r;
  std::thread client([&] {
    r = http_call(f->port(), "POST", "/v1/chat/completions", chat_body(false), {}, 10s);
  });
  REQUIRE(wait_until([&] { return f->gw.submitted().size() == 1; }, 3s));
  f->srv.shutdown();
  client.join();
  CHECK(r.status == 503);
  CHECK(json::parse(r.body)["error"]["code"] == "shutting_down");
  CHECK(f->gw.was_cancelled(f->gw.submitted()[0].id));
  f->srv.shutdown();  // idempotent
}

TEST_CASE("server: drain lets running requests finish and refuses new ones") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{600ms, finished("done in time", "inst-A")}};
  });
  wire_response first;
  std::thread client([&] {
    first = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false), {}, 10s);
  });
  REQUIRE(wait_until([&] { return f.gw.submitted().size() == 1; }, 3s));
  std::atomic<bool> drained{false};
  std::thread drainer([&] { drained = f.srv.drain(10s); });
  REQUIRE(wait_until([&] {
    // New work is refused while draining (retry elsewhere / later).
    auto r = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false), {}, 5s);
    return r.status == 503 && !r.header("retry-after").empty();
  }, 3s));
  drainer.join();
  client.join();
  CHECK(drained);
  CHECK(first.status == 200);
  // A probe may slip in before drain() closes the door; drain waited for it too.
  CHECK(f.srv.in_flight() == 0);
}

TEST_CASE("server: a gateway that never answers an admin call gets a 504, not a hang") {
  auto o = test_options();
  o.admin_timeout = 300ms;
  fixture f(o);
  f.gw.set_unresponsive(true);
  auto h = http_call(f.port(), "GET", "/health", "", {}, 5s);
  CHECK(h.status == 504);
  auto m = http_call(f.port(), "GET", "/v1/models", "", {}, 5s);
  CHECK(m.status == 504);
  CHECK(json::parse(m.body)["error"]["code"] == "timeout");
  CHECK(wait_until([&] { return f.srv.in_flight() == 0; }, 2s));
}

TEST_CASE("server: options_from maps the settings") {
  config::settings s;
  s.host = "0.0.0.0";
  s.port = 1234;
  s.http_threads = 3;
  s.max_request_bytes = 777;
  s.api_keys = {"k"};
  s.max_open_per_key = 3;
  s.multi = true;
  s.request_timeout = std::chrono::seconds(100);
  s.queue_timeout = std::chrono::seconds(50);
  auto o = http::options_from(s);
  CHECK(o.host == "0.0.0.0");
  CHECK(o.port == 1234);
  CHECK(o.threads == 3);
  CHECK(o.max_request_bytes == 777);
  CHECK(o.api_keys == std::vector<core::api_key>{"k"});
  CHECK(o.max_open_per_key == 3);
  CHECK(o.multi_instance_mode);
  // Above the gateway's own queue + request limits, so those fire first.
  CHECK(o.request_timeout > std::chrono::seconds(150));
}

TEST_CASE("server: start fails loudly on a port that is taken") {
  fixture a;
  auto o = test_options();
  o.port = a.port();
  fake_gateway gw;
  http::server b(o, gw);
  CHECK_THROWS_AS(b.start(), std::runtime_error);
}

TEST_CASE("server: --model-alias names reach the fleet as their model and are listed") {
  auto o = test_options();
  o.model_aliases = {{"gpt-4o", "gemini-2.5-pro"}, {"gpt-5", "gemini-9"}};
  fixture f(o);
  f.gw.set_models({{"gemini-2.5-pro", "Gemini 2.5 Pro"}, {"gemini-2.5-flash", "Flash"}});
  f.gw.set_script([](const completion_request& r) {
    if (r.params.model == "gemini-9")  // as the balancer answers a model the site lacks
      return std::vector<script_step>{
          {5ms, failed(error_code::unknown_model, "The model 'gemini-9' does not exist")}};
    return std::vector<script_step>{{5ms, finished("Hello!", "inst-A")}};
  });

  const auto m = json::parse(http_call(f.port(), "GET", "/v1/models").body);
  std::vector<std::string> ids;
  for (const auto& e : m["data"]) ids.push_back(e["id"]);
  CHECK(ids == std::vector<std::string>{"gemini-2.5-pro", "gpt-4o", "gemini-2.5-flash"});
  const auto one = http_call(f.port(), "GET", "/v1/models/gpt-4o");
  REQUIRE(one.status == 200);
  CHECK(json::parse(one.body)["display_name"] == "Gemini 2.5 Pro (as gpt-4o)");
  CHECK(http_call(f.port(), "GET", "/v1/models/gpt-5").status == 404);

  const auto r = http_call(f.port(), "POST", "/v1/chat/completions",
                           R"({"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]})");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["model"] == "gemini-2.5-pro");  // the model that answered
  const auto responses =
      http_call(f.port(), "POST", "/v1/responses", R"({"model":"gpt-4o","input":"Hi"})");
  REQUIRE(responses.status == 200);
  const auto sent = f.gw.submitted();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].params.model == "gemini-2.5-pro");
  CHECK(sent[1].params.model == "gemini-2.5-pro");

  const auto lost = http_call(f.port(), "POST", "/v1/chat/completions",
                              R"({"model":"gpt-5","messages":[{"role":"user","content":"Hi"}]})");
  CHECK(lost.status == 404);
  const auto e = json::parse(lost.body)["error"];
  CHECK(e["code"] == "model_not_found");
  CHECK(e["message"] ==
        "The model 'gpt-5' stands for 'gemini-9' (--model-alias), which the site does not have.");
}
