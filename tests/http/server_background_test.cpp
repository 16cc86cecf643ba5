// POST /v1/responses with `background: true` over the real Pistache server
// with a scripted gateway: answered at once with the response queued, the
// answer kept as it goes on without the client, read back by GET, stopped
// by cancel or DELETE (http/background.cpp).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string background_body =
    R"({"model":"gemini-2.5-pro","input":"Say hello","background":true,"metadata":{"k":"v"}})";

// The kept response's status, polled until it is `want` (or the deadline).
bool status_becomes(const fixture& f, const std::string& id, const std::string& want,
                    json* last = nullptr) {
  return wait_until(
      [&] {
        const auto r = http_call(f.port(), "GET", "/v1/responses/" + id, "");
        if (r.status != 200) return false;
        const auto j = json::parse(r.body);
        if (last != nullptr) *last = j;
        return j["status"] == want;
      },
      10s);
}

}  // namespace

TEST_CASE("server background: queued at once, answered without the client, read back") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{10ms, assigned("inst-A")},
                                    {10ms, delta("", "Greeting.")},
                                    {300ms, finished("Hello!", "inst-A")}};
  });
  const auto r = http_call(f.port(), "POST", "/v1/responses", background_body);
  REQUIRE(r.status == 200);
  const auto queued = json::parse(r.body);
  const std::string id = queued["id"];
  CHECK(r.header("x-request-id") == id);
  CHECK(queued["status"] == "queued");
  CHECK(queued["background"] == true);
  CHECK(queued["output"] == json::array());
  CHECK(queued["usage"].is_null());
  CHECK(queued["metadata"]["k"] == "v");

  // The client's connection is closed (http_call): nothing is cancelled.
  json done;
  REQUIRE(status_becomes(f, id, "completed", &done));
  CHECK_FALSE(f.gw.was_cancelled(id));
  CHECK(done["background"] == true);
  CHECK(done["output"].back()["content"][0]["text"] == "Hello!");
  CHECK(done["usage"]["output_tokens"] == 3);
  const auto items =
      json::parse(http_call(f.port(), "GET", "/v1/responses/" + id + "/input_items", "").body);
  REQUIRE(items["data"].size() == 1);
  CHECK(items["data"][0]["content"][0]["text"] == "Say hello");

  // It continues like any answer.
  const auto next =
      http_call(f.port(), "POST", "/v1/responses",
                R"({"previous_response_id":")" + id + R"(","input":"Again","background":true})");
  REQUIRE(next.status == 200);
  const std::string second = json::parse(next.body)["id"];
  REQUIRE(status_becomes(f, second, "completed"));
  const auto sent = f.gw.submitted();
  REQUIRE(sent.size() == 2);
  REQUIRE(sent[1].messages.size() == 3);
  CHECK(sent[1].messages[1].content == "Hello!");

  // Finished: there is nothing to cancel.
  const auto late = http_call(f.port(), "POST", "/v1/responses/" + id + "/cancel", "");
  CHECK(late.status == 400);
  CHECK(late.body.find("already ended with status 'completed'") != std::string::npos);
}

TEST_CASE("server background: in progress, then cancelled, and cancelling twice is no error") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{
        {10ms, assigned("inst-A")}, {10ms, delta("Hel")}, {30s, finished("Hello!", "inst-A")}};
  });
  const auto r = http_call(f.port(), "POST", "/v1/responses", background_body);
  REQUIRE(r.status == 200);
  const std::string id = json::parse(r.body)["id"];
  REQUIRE(status_becomes(f, id, "in_progress"));

  // Continuing from it before it has an answer is refused.
  const auto early = http_call(f.port(), "POST", "/v1/responses",
                               R"({"previous_response_id":")" + id + R"(","input":"And?"})");
  CHECK(early.status == 400);
  CHECK(early.body.find("status is 'in_progress'") != std::string::npos);

  const auto cancel = http_call(f.port(), "POST", "/v1/responses/" + id + "/cancel", "");
  REQUIRE(cancel.status == 200);
  const auto cancelled = json::parse(cancel.body);
  CHECK(cancelled["id"] == id);
  CHECK(cancelled["status"] == "cancelled");
  CHECK(wait_until([&] { return f.gw.was_cancelled(id); }, 5s));
  CHECK(wait_until([&] { return f.gw.active() == 0; }, 5s));
  const auto again = http_call(f.port(), "POST", "/v1/responses/" + id + "/cancel", "");
  CHECK(again.status == 200);
  CHECK(json::parse(again.body)["status"] == "cancelled");
  CHECK(json::parse(http_call(f.port(), "GET", "/v1/responses/" + id, "").body)["status"] ==
        "cancelled");
}

TEST_CASE("server background: a failure is kept as failed, with its error") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{
        {10ms, failed(error_code::rate_limited, "Every instance is rate limited.", 30)}};
  });
  const auto r = http_call(f.port(), "POST", "/v1/responses", background_body);
  REQUIRE(r.status == 200);  // accepted before it failed
  const std::string id = json::parse(r.body)["id"];
  json last;
  REQUIRE(status_becomes(f, id, "failed", &last));
  CHECK(last["error"]["code"] == "rate_limit_exceeded");
  CHECK(last["error"]["message"] == "Every instance is rate limited.");
  CHECK(last["output"] == json::array());
}

TEST_CASE("server background: stopped by /v1/cancel or DELETE, and what is refused") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{10ms, assigned("inst-A")},
                                    {30s, finished("Hello!", "inst-A")}};
  });
  SUBCASE("/v1/cancel/{id}, the fleet's own cancel, ends it as cancelled") {
    const std::string id =
        json::parse(http_call(f.port(), "POST", "/v1/responses", background_body).body)["id"];
    REQUIRE(status_becomes(f, id, "in_progress"));
    CHECK(http_call(f.port(), "POST", "/v1/cancel/" + id, "").status == 200);
    CHECK(status_becomes(f, id, "cancelled"));
  }
  SUBCASE("DELETE stops it first, and its answer is not kept") {
    const std::string id =
        json::parse(http_call(f.port(), "POST", "/v1/responses", background_body).body)["id"];
    REQUIRE(status_becomes(f, id, "in_progress"));
    const auto del = http_call(f.port(), "DELETE", "/v1/responses/" + id, "");
    CHECK(del.status == 200);
    CHECK(json::parse(del.body)["deleted"] == true);
    CHECK(wait_until([&] { return f.gw.was_cancelled(id); }, 5s));
    CHECK(http_call(f.port(), "GET", "/v1/responses/" + id, "").status == 404);
  }
  SUBCASE("only a background response can be cancelled, and only one that is kept") {
    f.gw.set_script([](const completion_request&) {
      return std::vector<script_step>{{10ms, finished("Hello!", "inst-A")}};
    });
    const auto plain = http_call(f.port(), "POST", "/v1/responses", R"({"input":"Say hello"})");
    REQUIRE(plain.status == 200);
    const std::string id = json::parse(plain.body)["id"];
    const auto refused = http_call(f.port(), "POST", "/v1/responses/" + id + "/cancel", "");
    CHECK(refused.status == 400);
    CHECK(refused.body.find("'background': true") != std::string::npos);
    CHECK(http_call(f.port(), "POST", "/v1/responses/resp_none/cancel", "").status == 404);
  }
}

TEST_CASE("server background: refused when the server keeps no responses") {
  auto o = test_options();
  o.responses_store_bytes = 0;
  fixture f(o);
  const auto r = http_call(f.port(), "POST", "/v1/responses", background_body);
  CHECK(r.status == 400);
  const auto j = json::parse(r.body);
  CHECK(j["error"]["param"] == "background");
  CHECK(j["error"]["message"].get<std::string>().find("--responses-store-mb 0") !=
        std::string::npos);
  CHECK(f.gw.submitted().empty());
}

TEST_CASE("server background: the request's own timeout still ends it, as failed") {
  auto o = test_options();
  o.request_timeout = 500ms;
  fixture f(o);
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{10ms, assigned("inst-A")},
                                    {30s, finished("Hello!", "inst-A")}};
  });
  const auto r = http_call(f.port(), "POST", "/v1/responses", background_body);
  REQUIRE(r.status == 200);
  const std::string id = json::parse(r.body)["id"];
  json last;
  REQUIRE(status_becomes(f, id, "failed", &last));
  CHECK(last["error"]["message"].get<std::string>().find("request timeout") != std::string::npos);
  CHECK(wait_until([&] { return f.gw.was_cancelled(id); }, 5s));
}
