// POST /v1/responses, the request: read into the same completion_request a
// chat completion becomes (http/responses_request.*); its answers are in
// responses_stream_test.cpp.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/responses_request.hpp"

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
      {R"({"input": "hi", "background": "yes"})", "background", "expected a boolean"},
      {R"({"input": "hi", "background": true, "store": false})", "store", "needs 'store'"},
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

TEST_CASE("responses request: background is asked for, and repeated in the answer") {
  auto r = parse({{"input", "Say hello"}, {"background", true}});
  REQUIRE(r.chat.ok);
  CHECK(r.background);
  CHECK(r.store);
  CHECK_FALSE(r.chat.request.stream);
  CHECK(r.echo["background"] == true);

  r = parse({{"input", "Say hello"}});
  REQUIRE(r.chat.ok);
  CHECK_FALSE(r.background);
  CHECK(r.echo["background"] == false);
  r = parse({{"input", "Say hello"}, {"background", nullptr}, {"stream", true}});
  REQUIRE(r.chat.ok);
  CHECK_FALSE(r.background);
  r = parse({{"input", "Say hello"}, {"background", false}, {"store", false}});
  REQUIRE(r.chat.ok);
  CHECK_FALSE(r.background);
  // Streamed too: its events are kept to read again (http/background.cpp).
  r = parse({{"input", "Say hello"}, {"background", true}, {"stream", true}});
  REQUIRE(r.chat.ok);
  CHECK(r.background);
  CHECK(r.chat.request.stream);
}
