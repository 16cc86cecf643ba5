// Function calling and images in a chat request (http/request_parts.*), and
// tool calls framed as JSON and SSE (http/sse.*, http/completion_stream.*).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "http/chat_request.hpp"
#include "http/completion_stream.hpp"
#include "http/request_parts.hpp"
#include "http/sse.hpp"

using namespace camoufleet;
using namespace camoufleet::http;
using nlohmann::json;

namespace {

const char* weather_tool = R"({"type":"function","function":{"name":"get_weather",
  "description":"Weather of a city","parameters":{"type":"object","title":"W",
  "properties":{"city":{"type":"string"},"unit":{"anyOf":[{"type":"string","enum":["c","f"]},{"type":"null"}]}},
  "required":["city"],"additionalProperties":false}}})";

std::string body_with(const std::string& extra, const std::string& messages =
                          R"([{"role":"user","content":"weather?"}])") {
  return R"({"model":"gemini-2.5-pro","messages":)" + messages + extra + "}";
}

// 1x1 PNG.
const char* png_b64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

std::string image_message(const std::string& url) {
  return R"([{"role":"user","content":[{"type":"text","text":"what is it?"},)"
         R"({"type":"image_url","image_url":{"url":")" + url + R"("}}]}])";
}

completion_meta meta() { return completion_meta{"chatcmpl-t", 1700000000, "gemini-2.5-pro"}; }

request_finished two_calls() {
  request_finished f;
  f.request_id = "chatcmpl-t";
  f.finish_reason = "tool_calls";
  f.tool_calls = {{"call_a", "get_weather", R"({"city":"Paris"})"},
                  {"call_b", "get_time", R"({"tz":"CET"})"}};
  return f;
}

}  // namespace

TEST_CASE("tools: a function tool becomes the page's declaration, tool_choice defaults to auto") {
  auto r = parse_chat_request(body_with(std::string(R"(,"tools":[)") + weather_tool + "]"));
  REQUIRE(r.ok);
  const auto& p = r.request.params;
  CHECK(p.tool_choice == "auto");
  const json d = json::parse(p.function_declarations);
  REQUIRE(d.size() == 1);
  CHECK(d[0]["name"] == "get_weather");
  CHECK_FALSE(d[0]["parameters"].contains("title"));
  CHECK_FALSE(d[0]["parameters"].contains("additionalProperties"));
  CHECK(d[0]["parameters"]["properties"]["unit"]["nullable"] == true);
}

TEST_CASE("tools: tool_choice none sends no declarations, required and a named function are kept") {
  const std::string tools = std::string(R"(,"tools":[)") + weather_tool + "]";
  auto none = parse_chat_request(body_with(tools + R"(,"tool_choice":"none")"));
  REQUIRE(none.ok);
  CHECK(none.request.params.function_declarations.empty());
  CHECK(none.request.params.tool_choice == "none");
  auto req = parse_chat_request(body_with(tools + R"(,"tool_choice":"required")"));
  REQUIRE(req.ok);
  CHECK(req.request.params.tool_choice == "required");
  auto named = parse_chat_request(
      body_with(tools + R"(,"tool_choice":{"type":"function","function":{"name":"get_weather"}})"));
  REQUIRE(named.ok);
  CHECK(named.request.params.tool_choice == "function");
  CHECK(named.request.params.tool_choice_name == "get_weather");
}

TEST_CASE("web search: web_search_options turns the page's Google Search grounding on") {
  auto plain = parse_chat_request(body_with(""));
  REQUIRE(plain.ok);
  CHECK_FALSE(plain.request.params.web_search);
  auto search =
      parse_chat_request(body_with(R"(,"web_search_options":{"search_context_size":"low"})"));
  REQUIRE(search.ok);
  CHECK(search.request.params.web_search);
  CHECK(parse_chat_request(body_with(R"(,"web_search_options":null)")).ok);
  auto wrong = parse_chat_request(body_with(R"(,"web_search_options":true)"));
  CHECK_FALSE(wrong.ok);
  CHECK(wrong.error.param == "web_search_options");
  // Grounding and function calling exclude each other on the page.
  const std::string tools = std::string(R"(,"tools":[)") + weather_tool + "]";
  auto both = parse_chat_request(body_with(tools + R"(,"web_search_options":{})"));
  CHECK_FALSE(both.ok);
  CHECK(both.error.param == "web_search_options");
  CHECK(both.error.message.find("exclude each other") != std::string::npos);
  // tool_choice none sends no declarations: then searching is fine.
  CHECK(
      parse_chat_request(body_with(tools + R"(,"tool_choice":"none","web_search_options":{})")).ok);
}

TEST_CASE("tools: bad tools and tool_choice are 400s naming the tool, the key and the param") {
  struct bad_case {
    std::string extra;
    const char* param;
    const char* message_has;
  };
  const std::string tools = std::string(R"(,"tools":[)") + weather_tool + "]";
  const bad_case cases[] = {
      {R"(,"tools":{})", "tools", "expected an array"},
      {R"(,"tools":[{"type":"retrieval"}])", "tools[0].type", "only 'function'"},
      {R"(,"tools":[{"type":"function"}])", "tools[0].function", "tools[0].function"},
      {R"(,"tools":[{"type":"function","function":{"name":""}}])", "tools[0].function.name",
       "non-empty"},
      {R"(,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object",)"
       R"("properties":{"when":{"$ref":"#/defs/x"}}}}}])",
       "tools[0].function.parameters.properties.when.$ref", "function 'f'"},
      {R"(,"tools":[{"type":"function","function":{"name":"bad name!"}}])",
       "tools[0].function.name", "function 'bad name!'"},
      {R"(,"tools":[{"type":"function","function":{"name":"f"}},{"type":"function","function":{"name":"f"}}])",
       "tools[1].function.name", "used twice"},
      {tools + R"(,"tool_choice":"sometimes")", "tool_choice", "Supported values"},
      {R"(,"tool_choice":"required")", "tool_choice", "only allowed when 'tools'"},
      {tools + R"(,"tool_choice":{"type":"function","function":{"name":"nope"}})",
       "tool_choice.function.name", "no tool named 'nope'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.extra);
    auto r = parse_chat_request(body_with(c.extra));
    REQUIRE_FALSE(r.ok);
    CHECK(r.error.status == 400);
    CHECK(r.error.param == c.param);
    CHECK(r.error.message.find(c.message_has) != std::string::npos);
  }
}

TEST_CASE("tools: assistant tool_calls and tool results are read from the history") {
  auto r = parse_chat_request(body_with("", R"([
    {"role":"user","content":"weather?"},
    {"role":"assistant","content":null,"tool_calls":[
      {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
      {"id":"call_2","type":"function","function":{"name":"get_time","arguments":{"tz":"CET"}}}]},
    {"role":"tool","tool_call_id":"call_1","content":"20 C"},
    {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"12:00"}]}])"));
  REQUIRE(r.ok);
  const auto& m = r.request.messages;
  REQUIRE(m.size() == 4);
  REQUIRE(m[1].tool_calls.size() == 2);
  CHECK(m[1].tool_calls[0].id == "call_1");
  CHECK(m[1].tool_calls[0].arguments == R"({"city":"Paris"})");
  CHECK(m[1].tool_calls[1].arguments == R"({"tz":"CET"})");
  CHECK(m[2].tool_call_id == "call_1");
  CHECK(m[3].content == "12:00");

  auto missing = parse_chat_request(body_with("", R"([{"role":"tool","content":"x","tool_call_id":5}])"));
  REQUIRE_FALSE(missing.ok);
  CHECK(missing.error.param == "messages[0].tool_call_id");
  auto no_id = parse_chat_request(body_with("", R"([{"role":"user","content":"x"},
    {"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f"}}]}])"));
  REQUIRE_FALSE(no_id.ok);
  CHECK(no_id.error.param == "messages[1].tool_calls[0].id");
}

TEST_CASE("images: a data URL becomes an attachment of its user turn") {
  auto r = parse_chat_request(body_with("", image_message(std::string("data:image/png;base64,") + png_b64)));
  REQUIRE(r.ok);
  const auto& m = r.request.messages[0];
  CHECK(m.content == "what is it?");
  REQUIRE(m.attachments.size() == 1);
  CHECK(m.attachments[0].mime_type == "image/png");
  CHECK(m.attachments[0].data.substr(1, 3) == "PNG");
  CHECK(m.attachments[0].data.size() == 70);
}

TEST_CASE("images: http URLs, other types, lies, bad base64 and too many are clear 400s") {
  struct bad_case {
    std::string url;
    const char* message_has;
  };
  const bad_case cases[] = {
      {"https://example.com/cat.png", "not fetched"},
      {"http://example.com/cat.png", "not fetched"},
      {"data:image/bmp;base64,Qk0=", "png, jpeg, webp or gif"},
      {"data:image/png,rawbytes", "png, jpeg, webp or gif"},
      {"data:image/png;base64,!!!!", "not valid base64"},
      {"data:image/jpeg;base64," + std::string(png_b64), "not a jpeg image"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.url);
    auto r = parse_chat_request(body_with("", image_message(c.url)));
    REQUIRE_FALSE(r.ok);
    CHECK(r.error.param == "messages[0].content[1].image_url.url");
    CHECK(r.error.message.find(c.message_has) != std::string::npos);
  }
  std::string parts = R"([{"role":"user","content":[)";
  for (std::size_t i = 0; i <= max_images; ++i)
    parts += std::string(i ? "," : "") + R"({"type":"image_url","image_url":{"url":"data:image/png;base64,)" +
             png_b64 + R"("}})";
  parts += "]}]";
  auto many = parse_chat_request(body_with("", parts));
  REQUIRE_FALSE(many.ok);
  CHECK(many.error.message.find("more than 10 images and files") != std::string::npos);
  auto assistant_image = parse_chat_request(body_with("", R"([{"role":"user","content":"x"},
    {"role":"assistant","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}])"));
  REQUIRE_FALSE(assistant_image.ok);
  CHECK(assistant_image.error.param == "messages[1].content[0].type");
}

TEST_CASE("tool_calls: the non-stream answer has content null and finish_reason tool_calls") {
  const json j = json::parse(completion_json(meta(), two_calls()));
  const auto& msg = j["choices"][0]["message"];
  CHECK(msg["content"].is_null());
  CHECK(j["choices"][0]["finish_reason"] == "tool_calls");
  REQUIRE(msg["tool_calls"].size() == 2);
  CHECK(msg["tool_calls"][0] ==
        json::parse(R"({"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}})"));
  CHECK(msg["tool_calls"][1]["id"] == "call_b");
}

TEST_CASE("tool_calls: the stream sends each call with its index, then finish_reason tool_calls") {
  completion_stream s(meta(), false);
  const std::string out = s.on_finished(two_calls());
  std::vector<json> chunks;
  std::size_t pos = 0;
  while (true) {
    auto start = out.find("data: ", pos);
    if (start == std::string::npos) break;
    auto end = out.find("\n\n", start);
    const std::string payload = out.substr(start + 6, end - start - 6);
    if (payload != "[DONE]") chunks.push_back(json::parse(payload));
    pos = end + 2;
  }
  REQUIRE(chunks.size() == 4);  // role, call 0, call 1, finish
  CHECK(chunks[0]["choices"][0]["delta"]["role"] == "assistant");
  const auto& c0 = chunks[1]["choices"][0]["delta"]["tool_calls"][0];
  CHECK(c0["index"] == 0);
  CHECK(c0["id"] == "call_a");
  CHECK(c0["type"] == "function");
  CHECK(c0["function"]["name"] == "get_weather");
  CHECK(c0["function"]["arguments"] == R"({"city":"Paris"})");
  CHECK(chunks[2]["choices"][0]["delta"]["tool_calls"][0]["index"] == 1);
  CHECK(chunks[3]["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(out.substr(out.size() - 14) == "data: [DONE]\n\n");
}
