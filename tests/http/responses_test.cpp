// POST /v1/responses, the pure parts: the request read into the same
// completion_request a chat completion becomes (http/responses_request.*),
// and answers in the Responses API's shape (http/responses_stream.*).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/responses_request.hpp"
#include "http/responses_stream.hpp"
#include "test_client.hpp"

using namespace camoufleet;
using namespace camoufleet::http;
using nlohmann::json;

namespace {

// 1x1 PNG.
const char* png_url =
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+"
    "M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

responses_parse_result parse(const json& body) {
  return parse_responses_request(body.dump());
}

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

TEST_CASE("responses request: a string input, instructions and settings") {
  const auto r = parse({{"model", "models/gemini-2.5-flash"},
                        {"instructions", "Be brief."},
                        {"input", "Say hello"},
                        {"temperature", 0.3},
                        {"top_p", 0.9},
                        {"max_output_tokens", 64},
                        {"reasoning", {{"effort", "high"}, {"summary", "auto"}}},
                        {"store", true},
                        {"metadata", {{"k", "v"}}},
                        {"stream", true}});
  REQUIRE(r.chat.ok);
  const auto& q = r.chat.request;
  REQUIRE(q.messages.size() == 2);
  CHECK(q.messages[0].role == "system");
  CHECK(q.messages[0].content == "Be brief.");
  CHECK(q.messages[1].role == "user");
  CHECK(q.messages[1].content == "Say hello");
  CHECK(q.params.model == "gemini-2.5-flash");
  CHECK(q.params.temperature == doctest::Approx(0.3));
  CHECK(q.params.top_p == doctest::Approx(0.9));
  CHECK(q.params.max_output_tokens == 64);
  CHECK(q.params.reasoning_effort == "high");
  CHECK(q.stream);
  // What the response object repeats.
  CHECK(r.echo["instructions"] == "Be brief.");
  CHECK(r.echo["metadata"]["k"] == "v");
  CHECK(r.echo["store"] == true);
  CHECK(r.store);
  CHECK(r.echo["reasoning"]["effort"] == "high");
  CHECK(r.echo["text"]["format"]["type"] == "text");
  CHECK(r.echo["tool_choice"] == "auto");
  CHECK(r.echo["temperature"] == 0.3);
  // Unset settings are null: the page's defaults apply, not OpenAI's.
  const auto bare = parse({{"input", "hi"}});
  REQUIRE(bare.chat.ok);
  CHECK(bare.echo["temperature"].is_null());
  CHECK(bare.echo["top_p"].is_null());
  CHECK(bare.echo["instructions"].is_null());
  CHECK(bare.echo["tools"] == json::array());
}

TEST_CASE("responses request: input items become the conversation") {
  const json input = json::array(
      {{{"role", "developer"}, {"content", "Use tools."}},
       {{"type", "message"},
        {"role", "user"},
        {"content",
         {{{"type", "input_text"}, {"text", "Weather in Paris and Rome?"}},
          {{"type", "input_image"}, {"image_url", png_url}, {"detail", "auto"}}}}},
       {{"type", "reasoning"}, {"id", "rs_1"}, {"summary", json::array()}},
       {{"type", "function_call"},
        {"call_id", "call_1"},
        {"name", "get_weather"},
        {"arguments", R"({"city":"Paris"})"}},
       {{"type", "function_call"},
        {"call_id", "call_2"},
        {"name", "get_weather"},
        {"arguments", R"({"city":"Rome"})"}},
       {{"type", "function_call_output"}, {"call_id", "call_1"}, {"output", "18 C"}},
       {{"type", "function_call_output"},
        {"call_id", "call_2"},
        {"output", {{{"type", "input_text"}, {"text", "21 C"}}}}},
       {{"role", "assistant"}, {"content", {{{"type", "output_text"}, {"text", "Mild."}}}}},
       {{"role", "user"}, {"content", "Thanks"}}});
  const auto r = parse({{"input", input}});
  REQUIRE(r.chat.ok);
  const auto& m = r.chat.request.messages;
  REQUIRE(m.size() == 7);
  CHECK(m[0].role == "system");
  CHECK(m[1].role == "user");
  CHECK(m[1].content == "Weather in Paris and Rome?");
  REQUIRE(m[1].attachments.size() == 1);
  CHECK(m[1].attachments[0].mime_type == "image/png");
  // Both calls are one assistant turn (parallel calls); the reasoning item
  // is not part of the prompt.
  CHECK(m[2].role == "assistant");
  REQUIRE(m[2].tool_calls.size() == 2);
  CHECK(m[2].tool_calls[0].id == "call_1");
  CHECK(m[2].tool_calls[1].arguments == R"({"city":"Rome"})");
  CHECK(m[3].role == "tool");
  CHECK(m[3].tool_call_id == "call_1");
  CHECK(m[3].content == "18 C");
  CHECK(m[4].content == "21 C");
  CHECK(m[5].role == "assistant");
  CHECK(m[5].content == "Mild.");
  CHECK(m[6].content == "Thanks");
}

TEST_CASE("responses request: function tools, tool_choice and text.format") {
  const json tool = {{"type", "function"},
                     {"name", "get_weather"},
                     {"description", "Weather of a city"},
                     {"strict", true},
                     {"parameters",
                      {{"type", "object"},
                       {"properties", {{"city", {{"type", "string"}}}}},
                       {"required", {"city"}},
                       {"additionalProperties", false}}}};
  auto r = parse({{"input", "weather?"},
                  {"tools", {tool}},
                  {"tool_choice", {{"type", "function"}, {"name", "get_weather"}}}});
  REQUIRE(r.chat.ok);
  const auto declarations = json::parse(r.chat.request.params.function_declarations);
  REQUIRE(declarations.size() == 1);
  CHECK(declarations[0]["name"] == "get_weather");
  CHECK(r.chat.request.params.tool_choice == "function");
  CHECK(r.chat.request.params.tool_choice_name == "get_weather");
  CHECK(r.echo["tools"][0]["name"] == "get_weather");

  r = parse(json::parse(R"({"input": "a trip", "text": {"format": {"type": "json_schema",
      "name": "trip", "strict": true,
      "schema": {"type": "object", "properties": {"city": {"type": "string"}}}}}})"));
  REQUIRE(r.chat.ok);
  CHECK(r.chat.request.params.response_format == "json_schema");
  CHECK(json::parse(r.chat.request.params.response_schema)["name"] == "trip");
  CHECK(r.echo["text"]["format"]["name"] == "trip");

  r = parse({{"input", "json please"}, {"text", {{"format", {{"type", "json_object"}}}}}});
  REQUIRE(r.chat.ok);
  CHECK(r.chat.request.params.response_format == "json_object");
}

TEST_CASE("responses request: the web_search tool is the page's Google Search grounding") {
  for (const char* type : {"web_search", "web_search_preview", "web_search_2025_08_26"}) {
    CAPTURE(type);
    const auto r = parse({{"input", "news?"}, {"tools", {{{"type", type}}}}});
    REQUIRE(r.chat.ok);
    CHECK(r.chat.request.params.web_search);
    CHECK(r.chat.request.params.function_declarations.empty());
    CHECK(r.echo["tools"][0]["type"] == type);
  }
  CHECK_FALSE(parse({{"input", "hi"}}).chat.request.params.web_search);
  const auto both = parse_responses_request(R"({"input":"x","tools":[{"type":"web_search"},
      {"type":"function","name":"f","parameters":{"type":"object"}}]})");
  REQUIRE_FALSE(both.chat.ok);
  CHECK(both.chat.error.param == "tools");
  CHECK(both.chat.error.message.find("A web_search tool cannot be combined with function tools") !=
        std::string::npos);
}

TEST_CASE("responses request: refusals name the Responses field") {
  struct bad_case {
    const char* body;
    const char* param;
    const char* says;
  };
  const std::vector<bad_case> cases = {
      {R"({})", "input", "Missing required parameter: 'input'"},
      {R"({"input": 5})", "input", "expected a string or an array"},
      {R"({"input": []})", "input", "empty array"},
      // Without a memory of answers (response_store_test.cpp has one).
      {R"({"input": "hi", "previous_response_id": "resp_1"})", "previous_response_id",
       "Previous response with id 'resp_1' not found"},
      {R"({"input": "hi", "conversation": "conv_1"})", "conversation", "keeps no conversations"},
      {R"({"input": [{"type": "item_reference", "id": "msg_1"}]})", "input[0].id",
       "Item with id 'msg_1' not found"},
      {R"({"input": "hi", "background": true})", "background", "not supported"},
      {R"({"input": "hi", "tools": [{"type": "file_search"}]})", "tools[0].type", "file_search"},
      {R"({"input": [{"role": "user", "content": [{"type": "input_image", "file_id": "f"}]}]})",
       "input[0].content[0].file_id", "no Files API"},
      {R"({"input": [{"role": "user", "content": [{"type": "input_video"}]}]})",
       "input[0].content[0].type", "input_video"},
      {R"({"input": [{"type": "computer_call"}]})", "input[0].type", "computer_call"},
      {R"({"input": [{"type": "function_call", "name": "f"}]})", "input[0].call_id",
       "Missing required parameter"},
      // Refused by the chat reader, named as sent here.
      {R"({"input": [{"role": "user", "content": "a"}, {"role": "robot", "content": "b"}]})",
       "input[1].role", "'input[1].role'"},
      {R"({"instructions": "x", "input": [{"role": "user", "content": 7}]})", "input[0].content",
       "'input[0].content'"},
      {R"({"input": "hi", "temperature": 3})", "temperature", "temperature"},
      {R"({"input": "hi", "reasoning": {"effort": "extreme"}})", "reasoning.effort",
       "'reasoning.effort'"},
      {R"({"input": "hi", "text": {"format": {"type": "yaml"}}})", "text.format.type",
       "'text.format.type'"},
      {R"({"input": "hi", "tools": [{"type": "function", "name": "f",
           "parameters": {"$ref": "#/x"}}]})",
       "tools[0].parameters.$ref", "'f': 'parameters.$ref'"},
  };
  for (const auto& c : cases) {
    const std::string body = c.body;
    CAPTURE(body);
    const auto r = parse_responses_request(c.body);
    REQUIRE_FALSE(r.chat.ok);
    CHECK(r.chat.error.status == 400);
    CHECK(r.chat.error.param == c.param);
    CHECK(r.chat.error.message.find(c.says) != std::string::npos);
    CHECK(r.chat.error.message.find("messages") == std::string::npos);
  }
  // Not JSON at all: the same answer as the chat route gives.
  const auto junk = parse_responses_request("{nope");
  CHECK_FALSE(junk.chat.ok);
  CHECK(junk.chat.error.message.find("could not parse the JSON body") != std::string::npos);
}

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

  // Thoughts after the answer began have no open item: left out, and the
  // final object says what the stream said.
  responses_stream late(meta());
  std::string late_text = late.on_delta(hel);
  late_text += late.on_delta(thought);
  late_text += late.on_finished(answer("Hello!", "Thinking"));
  const auto late_events = events_of(late_text);
  for (const auto& e : late_events) CHECK(e.name.find("reasoning") == std::string::npos);
  CHECK(late_events.back().data["response"]["output"].size() == 1);
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
