// `n` above 1 over the real Pistache server with a scripted gateway: n
// requests to the gateway, side by side, answered together in order of
// choice; a failed part fails the whole and stops the others; a cancel,
// a gone client and the timeout reach every part (http/choices.cpp).
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "server_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string body_with_n(int n) {
  return json({{"model", "gemini-2.5-pro"},
               {"messages", json::array({{{"role", "user"}, {"content", "Say hello"}}})},
               {"n", n}})
      .dump();
}

// Part i answers "answer <i>" on instance inst-<i>, the first part last.
std::vector<script_step> part_script(const completion_request& r) {
  const auto i = r.id.substr(r.id.rfind('-') + 1);
  const auto wait = std::chrono::milliseconds(i == "0" ? 300 : 20);
  return {{5ms, assigned("inst-" + i)}, {wait, finished("answer " + i, "inst-" + i)}};
}

}  // namespace

TEST_CASE("server choices: n parts side by side, answered together in choice order") {
  fixture f;
  f.gw.set_script(part_script);
  const auto r = http_call(f.port(), "POST", "/v1/chat/completions", body_with_n(3));
  REQUIRE(r.status == 200);
  const std::string id = r.header("x-request-id");
  const auto j = json::parse(r.body);
  CHECK(j["id"] == id);
  REQUIRE(j["choices"].size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(j["choices"][i]["index"] == i);
    CHECK(j["choices"][i]["message"]["content"] == "answer " + std::to_string(i));
  }
  CHECK(j["usage"]["prompt_tokens"] == 11);     // once
  CHECK(j["usage"]["completion_tokens"] == 9);  // 3 each
  std::set<std::string> ids;
  for (const auto& sent : f.gw.submitted()) {
    ids.insert(sent.id);
    CHECK(sent.messages.back().content == "Say hello");
  }
  CHECK(ids == std::set<std::string>{id + "-0", id + "-1", id + "-2"});
  // Every instance that answered, in the order the answers came.
  const auto instances = r.header("x-camoufleet-instance");
  CHECK(instances.rfind("inst-0") == instances.size() - 6);
  CHECK(instances.size() == 20);  // three names and two commas
}

TEST_CASE("server choices: a part that fails fails the request and stops the others") {
  fixture f;
  f.gw.set_script([](const completion_request& r) {
    if (r.id.back() == '1')
      return std::vector<script_step>{
          {20ms, failed(error_code::rate_limited, "The site is rate limiting this account.", 30)}};
    return std::vector<script_step>{{5ms, assigned("inst-A")}, {30s, finished("late", "inst-A")}};
  });
  const auto r = http_call(f.port(), "POST", "/v1/chat/completions", body_with_n(3));
  CHECK(r.status == 429);
  const std::string id = r.header("x-request-id");
  const auto e = json::parse(r.body)["error"];
  CHECK(e["message"].get<std::string>().rfind("Choice 1 of 3 failed: ", 0) == 0);
  CHECK(wait_until([&] { return f.gw.was_cancelled(id + "-0") && f.gw.was_cancelled(id + "-2"); },
                   5s));
  CHECK_FALSE(f.gw.was_cancelled(id + "-1"));  // it had ended
  CHECK(wait_until([&] { return f.gw.active() == 0 && f.srv.in_flight() == 0; }, 5s));
}

TEST_CASE("server choices: a cancel of the request, or its client going away, reaches every part") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{5ms, assigned("inst-A")}, {30s, finished("late", "inst-A")}};
  });
  SUBCASE("POST /v1/cancel/{id}") {
    http_connection c(f.port());
    REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", body_with_n(2))));
    REQUIRE(wait_until([&] { return f.gw.active() == 2; }, 5s));
    const std::string id =
        f.gw.submitted().front().id.substr(0, f.gw.submitted().front().id.size() - 2);
    const auto cancel = http_call(f.port(), "POST", "/v1/cancel/" + id, "");
    CHECK(cancel.status == 200);
    CHECK(wait_until([&] { return f.gw.was_cancelled(id + "-0") && f.gw.was_cancelled(id + "-1"); },
                     5s));
  }
  SUBCASE("the client goes away") {
    {
      http_connection c(f.port());
      REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", body_with_n(2))));
      REQUIRE(wait_until([&] { return f.gw.active() == 2; }, 5s));
    }
    CHECK(wait_until([&] { return f.gw.cancelled().size() == 2; }, 5s));
    CHECK(wait_until([&] { return f.srv.in_flight() == 0; }, 5s));
  }
}

TEST_CASE("server choices: a part refused at once leaves the parts after it unasked") {
  fixture f;
  f.gw.set_synchronous(true);  // the refusal arrives inside submit(), as a full queue's does
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{0ms, failed(error_code::queue_full, "The queue is full.", 5)}};
  });
  const auto r = http_call(f.port(), "POST", "/v1/chat/completions", body_with_n(3));
  CHECK(r.status == 429);
  CHECK(r.header("retry-after") == "5");
  CHECK(f.gw.submitted().size() == 1);
}

namespace {

std::string streamed_with_n(int n) {
  auto j = json::parse(body_with_n(n));
  j["stream"] = true;
  j["stream_options"] = {{"include_usage", true}};
  return j.dump();
}

// Part i says "answer <i>" in two deltas; part 0 starts last and ends last.
std::vector<script_step> streamed_part(const completion_request& r) {
  const auto i = r.id.substr(r.id.rfind('-') + 1);
  const auto wait = std::chrono::milliseconds(i == "0" ? 200 : 10);
  return {{5ms, assigned("inst-" + i)},
          {wait, delta("answer ")},
          {10ms, delta(i)},
          {10ms, finished("answer " + i, "inst-" + i)}};
}

}  // namespace

TEST_CASE("server choices: streamed, each choice's chunks as they come, tagged with its index") {
  fixture f;
  f.gw.set_script(streamed_part);
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", streamed_with_n(3))));
  const auto s = read_stream(c, 10s);
  REQUIRE(s.head.status == 200);
  CHECK(s.ended);
  std::map<int, std::string> texts;
  std::vector<int> order;  // the choice of each content chunk, as it came
  int finishes = 0, dones = 0;
  json usage;
  for (const auto& e : s.events) {
    if (e.comment) continue;
    if (e.data == "[DONE]") {
      ++dones;
      continue;
    }
    const auto j = json::parse(e.data);
    CHECK(j["id"] == s.head.header("x-request-id"));
    if (j["choices"].empty()) {
      usage = j["usage"];
      continue;
    }
    const auto& choice = j["choices"][0];
    const int i = choice["index"];
    if (choice["delta"].contains("content") &&
        !choice["delta"]["content"].get<std::string>().empty()) {
      texts[i] += choice["delta"]["content"].get<std::string>();
      order.push_back(i);
    }
    if (!choice["finish_reason"].is_null()) ++finishes;
  }
  CHECK(texts == std::map<int, std::string>{{0, "answer 0"}, {1, "answer 1"}, {2, "answer 2"}});
  CHECK(finishes == 3);
  CHECK(dones == 1);
  CHECK(s.events.back().data == "[DONE]");
  CHECK(usage["prompt_tokens"] == 11);
  CHECK(usage["completion_tokens"] == 9);
  // Choice 0 started last: its words came after the others', not held back for order.
  REQUIRE_FALSE(order.empty());
  CHECK(order.back() == 0);
  CHECK(order.front() != 0);
}

TEST_CASE("server choices: streamed, a part failing mid-stream ends it with an error event") {
  fixture f;
  f.gw.set_script([](const completion_request& r) {
    if (r.id.back() == '1')
      return std::vector<script_step>{{5ms, assigned("inst-B")},
                                      {50ms, delta("Hal")},
                                      {50ms, failed(error_code::site_error, "The page broke.")}};
    return std::vector<script_step>{
        {5ms, assigned("inst-A")}, {10ms, delta("Hel")}, {30s, finished("late", "inst-A")}};
  });
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", streamed_with_n(2))));
  const auto s = read_stream(c, 10s);
  REQUIRE(s.head.status == 200);  // the stream had begun
  CHECK(s.ended);
  const std::string id = s.head.header("x-request-id");
  REQUIRE(s.events.size() >= 2);
  CHECK(s.events.back().data == "[DONE]");
  const auto error = json::parse(s.events[s.events.size() - 2].data);
  CHECK(error["error"]["message"].get<std::string>().rfind("Choice 1 of 2 failed: ", 0) == 0);
  CHECK(wait_until([&] { return f.gw.was_cancelled(id + "-0"); }, 5s));
  CHECK(wait_until([&] { return f.gw.active() == 0 && f.srv.in_flight() == 0; }, 5s));
  // Refused before any chunk: a real status, as without n.
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{5ms, failed(error_code::queue_full, "queue is full", 9)}};
  });
  const auto refused = http_call(f.port(), "POST", "/v1/chat/completions", streamed_with_n(2));
  CHECK(refused.status == 429);
  CHECK(refused.header("retry-after") == "9");
}
