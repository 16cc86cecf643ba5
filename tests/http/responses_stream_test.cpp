// POST /v1/responses, the answers: the response object of a finished answer
// and the named events of a streamed one, as the SDKs accumulate them
// (http/responses_stream.*).
#include "http/responses_stream.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_client.hpp"

using namespace camoufleet;
using namespace camoufleet::http;
using nlohmann::json;

namespace {

response_meta meta() {
  response_meta m;
  m.answer = {"resp_abc", 1700000000, "gemini-2.5-pro"};
  m.echo = {{"instructions", "Be brief."}, {"temperature", 0.3}, {"store", false}};
  return m;
}

request_finished answer(std::string content, std::string reasoning = "",
                        std::string reason = "stop") {
  request_finished f;
  f.content = std::move(content);
  f.reasoning = std::move(reasoning);
  f.finish_reason = std::move(reason);
  f.prompt_tokens = 12;
  f.completion_tokens = 7;
  f.reasoning_tokens = 2;
  return f;
}

// The named events of a stream body, in order.
struct named {
  std::string name;
  json data;
};
std::vector<named> events_of(std::string text) {
  std::vector<named> out;
  for (const auto& e : testing::parse_sse(text)) {
    REQUIRE_FALSE(e.comment);
    CHECK(e.data != "[DONE]");
    named n{e.event, json::parse(e.data)};
    CHECK(n.data["type"] == n.name);  // the event name repeats the type
    out.push_back(std::move(n));
  }
  return out;
}

std::vector<std::string> names_of(const std::vector<named>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.name);
  return out;
}

}  // namespace

TEST_CASE("responses: a finished answer as a response object") {
  const auto j = json::parse(response_json(meta(), answer("Hello!", "Thinking.")));
  CHECK(j["id"] == "resp_abc");
  CHECK(j["object"] == "response");
  CHECK(j["created_at"] == 1700000000);
  CHECK(j["status"] == "completed");
  CHECK(j["error"].is_null());
  CHECK(j["incomplete_details"].is_null());
  CHECK(j["model"] == "gemini-2.5-pro");
  CHECK(j["instructions"] == "Be brief.");
  REQUIRE(j["output"].size() == 2);
  CHECK(j["output"][0]["type"] == "reasoning");
  CHECK(j["output"][0]["id"] == "rs_abc");
  CHECK(j["output"][0]["summary"][0] == json({{"type", "summary_text"}, {"text", "Thinking."}}));
  const auto& message = j["output"][1];
  CHECK(message["type"] == "message");
  CHECK(message["id"] == "msg_abc");
  CHECK(message["role"] == "assistant");
  CHECK(message["status"] == "completed");
  CHECK(message["content"][0]["type"] == "output_text");
  CHECK(message["content"][0]["text"] == "Hello!");
  CHECK(message["content"][0]["annotations"] == json::array());
  CHECK(j["usage"] == json({{"input_tokens", 12},
                            {"input_tokens_details", {{"cached_tokens", 0}}},
                            {"output_tokens", 7},
                            {"output_tokens_details", {{"reasoning_tokens", 2}}},
                            {"total_tokens", 19}}));

  // Cut off by max_output_tokens.
  const auto cut = json::parse(response_json(meta(), answer("Hel", "", "length")));
  CHECK(cut["status"] == "incomplete");
  CHECK(cut["incomplete_details"]["reason"] == "max_output_tokens");
  CHECK(cut["output"][0]["status"] == "incomplete");

  // Only calls: no message item.
  auto calls = answer("", "", "tool_calls");
  calls.tool_calls = {{"call_1", "get_weather", R"({"city":"Paris"})"},
                      {"call_2", "get_weather", R"({"city":"Rome"})"}};
  const auto c = json::parse(response_json(meta(), calls));
  REQUIRE(c["output"].size() == 2);
  CHECK(c["output"][0] == json({{"id", "fc_abc_0"},
                                {"type", "function_call"},
                                {"status", "completed"},
                                {"call_id", "call_1"},
                                {"name", "get_weather"},
                                {"arguments", R"({"city":"Paris"})"}}));
  CHECK(c["output"][1]["call_id"] == "call_2");
}

TEST_CASE("responses: a background response's object before, or without, its answer") {
  const auto queued = json::parse(response_status_json(meta(), "queued"));
  CHECK(queued["id"] == "resp_abc");
  CHECK(queued["object"] == "response");
  CHECK(queued["status"] == "queued");
  CHECK(queued["output"] == json::array());
  CHECK(queued["usage"].is_null());
  CHECK(queued["error"].is_null());
  CHECK(queued["instructions"] == "Be brief.");  // the request's settings, as in an answer

  error_reply e;
  e.status = 429;
  e.type = "rate_limit_error";
  e.code = "rate_limit_exceeded";
  e.message = "Every instance is rate limited.";
  const auto failed = json::parse(response_status_json(meta(), "failed", &e));
  CHECK(failed["status"] == "failed");
  CHECK(failed["error"] ==
        json({{"code", "rate_limit_exceeded"}, {"message", "Every instance is rate limited."}}));
  e.code.clear();  // no code: the type stands for it, as in a stream's failure
  CHECK(json::parse(response_status_json(meta(), "failed", &e))["error"]["code"] ==
        "rate_limit_error");
  CHECK(json::parse(response_status_json(meta(), "cancelled"))["error"].is_null());
}

TEST_CASE("responses stream: thoughts, text and the end, as the SDKs accumulate them") {
  responses_stream s(meta());
  request_delta thought;
  thought.reasoning = "Thinking";
  request_delta hel;
  hel.content = "Hel";
  request_delta dot;
  dot.reasoning = ".";
  std::string text = s.on_delta(thought);
  text += s.on_delta(dot);
  text += s.on_delta(hel);
  // The gateway's last word carries more than the deltas did.
  text += s.on_finished(answer("Hello!", "Thinking."));
  CHECK(s.on_delta(hel).empty());  // nothing after the end

  const auto events = events_of(text);
  CHECK(names_of(events) ==
        std::vector<std::string>{
            "response.created", "response.in_progress", "response.output_item.added",
            "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done", "response.output_item.done",
            "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
            "response.content_part.done", "response.output_item.done", "response.completed"});
  for (std::size_t i = 0; i < events.size(); ++i)
    CHECK(events[i].data["sequence_number"] == static_cast<int>(i));
  CHECK(events[0].data["response"]["status"] == "in_progress");
  CHECK(events[0].data["response"]["output"] == json::array());
  CHECK(events[4].data["delta"] == "Thinking");
  CHECK(events[5].data["delta"] == ".");
  CHECK(events[6].data["text"] == "Thinking.");
  CHECK(events[9].data["output_index"] == 1);
  CHECK(events[11].data["delta"] == "Hel");
  CHECK(events[11].data["item_id"] == "msg_abc");
  CHECK(events[12].data["delta"] == "lo!");
  CHECK(events[13].data["text"] == "Hello!");
  const auto& done = events.back().data["response"];
  CHECK(done["status"] == "completed");
  // The final object is the one a non-stream request gets.
  CHECK(done == json::parse(response_json(meta(), answer("Hello!", "Thinking."))));

  CHECK(json::parse(s.answered_object()) == done);  // what is remembered

  // Thoughts after the answer began: an item of their own once the message
  // is done, and the object remembered is the one the stream ended with.
  responses_stream late(meta());
  std::string late_text = late.on_delta(hel);
  late_text += late.on_delta(thought);
  late_text += late.on_finished(answer("Hello!", "Thinking"));
  const auto late_events = events_of(late_text);
  const auto& output = late_events.back().data["response"]["output"];
  REQUIRE(output.size() == 2);
  CHECK(output[0]["content"][0]["text"] == "Hello!");
  CHECK(output[1] == json({{"id", "rs_abc_late"},
                           {"type", "reasoning"},
                           {"summary", {{{"type", "summary_text"}, {"text", "Thinking"}}}}}));
  CHECK(late_events[late_events.size() - 2].name == "response.output_item.done");
  CHECK(late_events[late_events.size() - 2].data["output_index"] == 1);
  CHECK(json::parse(late.answered_object()) == late_events.back().data["response"]);
}

TEST_CASE("responses stream: calls, a cut-off answer, an empty one, a failure") {
  SUBCASE("function calls go out whole, one item each") {
    responses_stream s(meta());
    auto f = answer("", "", "tool_calls");
    f.tool_calls = {{"call_1", "get_weather", R"({"city":"Paris"})"}};
    const auto events = events_of(s.on_finished(f));
    CHECK(names_of(events) ==
          std::vector<std::string>{
              "response.created", "response.in_progress", "response.output_item.added",
              "response.function_call_arguments.delta", "response.function_call_arguments.done",
              "response.output_item.done", "response.completed"});
    CHECK(events[2].data["item"]["arguments"] == "");
    CHECK(events[3].data["delta"] == R"({"city":"Paris"})");
    CHECK(events[4].data["name"] == "get_weather");
    CHECK(events[5].data["item"]["status"] == "completed");
    CHECK(events.back().data["response"] == json::parse(response_json(meta(), f)));
  }
  SUBCASE("cut off: response.incomplete") {
    responses_stream s(meta());
    request_delta d;
    d.content = "Hel";
    std::string text = s.on_delta(d);
    text += s.on_finished(answer("Hel", "", "length"));
    const auto events = events_of(text);
    CHECK(events.back().name == "response.incomplete");
    CHECK(events.back().data["response"]["incomplete_details"]["reason"] == "max_output_tokens");
  }
  SUBCASE("nothing said: still one (empty) message") {
    responses_stream s(meta());
    const auto events = events_of(s.on_finished(answer("")));
    CHECK(events[2].data["item"]["type"] == "message");
    CHECK(events.back().data["response"]["output"][0]["content"][0]["text"] == "");
  }
  SUBCASE("a failure after the start: error, then response.failed") {
    responses_stream s(meta());
    request_delta d;
    d.content = "Hel";
    error_reply e;
    e.status = 502;
    e.type = "server_error";
    e.code = "browser_gone";
    e.message = "The browser exited.";
    std::string text = s.on_delta(d);
    text += s.on_failed(e);
    const auto events = events_of(text);
    const auto n = events.size();
    REQUIRE(n >= 2);
    CHECK(events[n - 2].name == "error");
    CHECK(events[n - 2].data["code"] == "browser_gone");
    CHECK(events[n - 2].data["message"] == "The browser exited.");
    CHECK(events[n - 1].name == "response.failed");
    CHECK(events[n - 1].data["response"]["status"] == "failed");
    CHECK(events[n - 1].data["response"]["error"]["code"] == "browser_gone");
    CHECK(s.on_finished(answer("Hello")).empty());
  }
}

TEST_CASE("responses stream: a background one is created queued, then in progress, numbered on") {
  response_meta m = meta();
  m.echo["background"] = true;
  responses_stream s(m);
  std::string text = s.on_queued();
  CHECK(s.on_queued().empty());  // once
  auto first = events_of(text);
  CHECK(names_of(first) == std::vector<std::string>{"response.created", "response.queued"});
  for (const auto& e : first) {
    CHECK(e.data["response"]["status"] == "queued");
    CHECK(e.data["response"]["background"] == true);
  }
  const std::string started = s.on_started();
  CHECK(s.on_started().empty());
  const auto in_progress = events_of(started);
  REQUIRE(in_progress.size() == 1);
  CHECK(in_progress[0].name == "response.in_progress");
  CHECK(in_progress[0].data["response"]["status"] == "in_progress");
  request_delta d;
  d.content = "Hel";
  text += started + s.on_delta(d) + s.on_finished(answer("Hello!"));
  const auto all = events_of(text);
  // No second response.created: the deltas carry on from the queued start.
  const auto names = names_of(all);
  CHECK(std::count(names.begin(), names.end(), "response.created") == 1);
  CHECK(names.back() == "response.completed");
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].data["sequence_number"] == i);
  CHECK(json::parse(s.answered_object())["status"] == "completed");
}

TEST_CASE("responses stream: a background one that fails before a page had it") {
  responses_stream s(meta());
  const std::string queued = s.on_queued();
  error_reply e;
  e.type = "rate_limit_error";
  e.code = "rate_limit_exceeded";
  e.message = "Every instance is rate limited.";
  const auto all = events_of(queued + s.on_failed(e));
  // It never started: no response.in_progress.
  CHECK(names_of(all) == std::vector<std::string>{"response.created", "response.queued", "error",
                                                  "response.failed"});
  CHECK(all.back().data["response"]["error"]["code"] == "rate_limit_exceeded");
  CHECK(all.back().data["sequence_number"] == 3);
  CHECK(s.on_started().empty());  // ended: nothing more
}
