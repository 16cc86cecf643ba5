#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "http/chat_request.hpp"

using camoufleet::http::is_valid_utf8;
using camoufleet::http::parse_chat_request;

namespace {

struct bad_case {
  const char* name;
  std::string body;
  const char* param;        // expected param ("" = null)
  const char* message_has;  // a fragment the message must contain
};

std::string with_messages(const std::string& extra) {
  return R"({"model":"gemini-2.5-pro","messages":[{"role":"user","content":"hi"}])" + extra + "}";
}

}  // namespace

TEST_CASE("chat_request: a minimal valid request parses with defaults") {
  auto r = parse_chat_request(R"({"messages":[{"role":"user","content":"Hello"}]})");
  REQUIRE(r.ok);
  CHECK(r.request.messages.size() == 1);
  CHECK(r.request.messages[0].role == "user");
  CHECK(r.request.messages[0].content == "Hello");
  CHECK(r.request.params.model.empty());
  CHECK_FALSE(r.request.stream);
  CHECK_FALSE(r.include_usage);
  CHECK(r.request.params.temperature < 0);
  CHECK(r.request.params.top_p < 0);
  CHECK(r.request.params.max_output_tokens <= 0);
  CHECK(r.request.params.stop.empty());
  CHECK(r.request.params.reasoning_effort.empty());
}

TEST_CASE("chat_request: every supported field is carried over") {
  auto r = parse_chat_request(R"({
    "model":"models/gemini-2.5-flash",
    "messages":[
      {"role":"developer","content":"Be brief."},
      {"role":"system","content":[{"type":"text","text":"A"},{"type":"text","text":"B"}]},
      {"role":"user","content":"Q1","name":"bob"},
      {"role":"assistant","content":null,"tool_calls":[]},
      {"role":"tool","content":"42","tool_call_id":"x"}
    ],
    "stream":true,
    "stream_options":{"include_usage":true},
    "temperature":1.5,
    "top_p":0.25,
    "max_tokens":100,
    "max_completion_tokens":200,
    "stop":["END","", "STOP"],
    "reasoning_effort":"minimal",
    "n":1,
    "tools":[], "user":"someone", "frequency_penalty":0.3,
    "response_format":{"type":"json_schema","json_schema":{"name":"trip","strict":true,
                       "schema":{"type":"object"}}}
  })");
  REQUIRE(r.ok);
  const auto& q = r.request;
  CHECK(q.params.model == "gemini-2.5-flash");
  REQUIRE(q.messages.size() == 5);
  CHECK(q.messages[0].role == "system");
  CHECK(q.messages[0].content == "Be brief.");
  CHECK(q.messages[1].content == "A\nB");
  CHECK(q.messages[3].role == "assistant");
  CHECK(q.messages[3].content.empty());
  CHECK(q.messages[4].role == "tool");
  CHECK(q.stream);
  CHECK(r.include_usage);
  CHECK(q.params.temperature == doctest::Approx(1.5));
  CHECK(q.params.top_p == doctest::Approx(0.25));
  CHECK(q.params.max_output_tokens == 200);  // max_completion_tokens wins
  CHECK(q.params.stop == std::vector<std::string>{"END", "STOP"});
  CHECK(q.params.reasoning_effort == "low");
  CHECK(q.params.response_format == "json_schema");
  CHECK(nlohmann::json::parse(q.params.response_schema) ==
        nlohmann::json{{"name", "trip"}, {"schema", {{"type", "object"}}}});
  CHECK_FALSE(q.params.ask_again);  // streamed: what went out cannot be asked for again
  auto text = parse_chat_request(R"({"messages":[{"role":"user","content":"a"}],
                                     "response_format":{"type":"text"}})");
  REQUIRE(text.ok);
  CHECK(text.request.params.response_format.empty());
  CHECK(text.request.params.ask_again);
  auto object = parse_chat_request(R"({"messages":[{"role":"user","content":"a"}],
                                       "response_format":{"type":"json_object"}})");
  REQUIRE(object.ok);
  CHECK(object.request.params.response_format == "json_object");
  CHECK(object.request.params.ask_again);  // a reply: asked for again if it breaks it
}

TEST_CASE("chat_request: boundary values are accepted") {
  CHECK(parse_chat_request(with_messages(R"(,"temperature":0)")).ok);
  CHECK(parse_chat_request(with_messages(R"(,"temperature":2)")).ok);
  CHECK(parse_chat_request(with_messages(R"(,"top_p":1)")).ok);
  CHECK(parse_chat_request(with_messages(R"(,"max_tokens":1)")).ok);
  CHECK(parse_chat_request(with_messages(R"(,"max_tokens":2147483647)")).ok);
  CHECK(parse_chat_request(with_messages(R"(,"max_tokens":64.0)")).ok);
  CHECK(parse_chat_request(with_messages(R"(,"stop":"x")")).ok);
  CHECK(parse_chat_request(with_messages(R"(,"n":1)")).choices == 1);
  CHECK(parse_chat_request(with_messages(R"(,"n":8)")).choices == 8);
  CHECK(parse_chat_request(with_messages(R"(,"n":1,"stream":true)")).ok);
  CHECK(parse_chat_request(with_messages(R"(,"n":3,"stream":true)")).choices == 3);
  CHECK(parse_chat_request(with_messages("")).choices == 1);
  CHECK(parse_chat_request(with_messages(R"(,"stop":null,"temperature":null,"stream":null)")).ok);
  CHECK(parse_chat_request(with_messages(R"(,"content":"")")).ok);
  // An empty turn is fine beside one with text (a conversation of only
  // empty turns is refused: see the malformed cases).
  CHECK(parse_chat_request(R"({"messages":[{"role":"user","content":""},{"role":"user","content":"a"}]})").ok);
  CHECK(parse_chat_request(R"({"messages":[{"role":"user","content":[]},{"role":"user","content":"a"}]})").ok);
  CHECK(parse_chat_request("  \n" + with_messages("") + "\n ").ok);
  std::string sixteen = R"(,"stop":[)";
  for (int i = 0; i < 16; ++i) sixteen += std::string(i ? "," : "") + "\"s" + std::to_string(i) + "\"";
  CHECK(parse_chat_request(with_messages(sixteen + "]")).ok);
}

TEST_CASE("chat_request: malformed requests are refused with a 400 naming the field") {
  std::string seventeen = R"(,"stop":[)";
  for (int i = 0; i < 17; ++i) seventeen += std::string(i ? "," : "") + "\"s\"";
  seventeen += "]";
  std::string deep(200, '[');
  deep += std::string(200, ']');
  const std::vector<bad_case> cases = {
      // broken JSON / not an object / encoding
      {"empty body", "", "", "parse the JSON"},
      {"truncated", R"({"messages":[{"role":"user")", "", "parse the JSON"},
      {"trailing garbage", with_messages("") + "x", "", "parse the JSON"},
      {"single quotes", "{'messages':[]}", "", "parse the JSON"},
      {"trailing comma", R"({"messages":[{"role":"user","content":"a"},]})", "", "parse the JSON"},
      {"array body", R"([{"role":"user","content":"a"}])", "", "JSON object"},
      {"string body", R"("hello")", "", "JSON object"},
      {"null body", "null", "", "JSON object"},
      {"number body", "42", "", "JSON object"},
      {"invalid utf-8 in string", "{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}]}",
       "", "UTF-8"},
      {"overlong utf-8", "{\"messages\":[{\"role\":\"user\",\"content\":\"\xc0\xaf\"}]}", "",
       "UTF-8"},
      {"utf-8 surrogate", "{\"messages\":[{\"role\":\"user\",\"content\":\"\xed\xa0\x80\"}]}", "",
       "UTF-8"},
      {"truncated utf-8", "{\"messages\":[{\"role\":\"user\",\"content\":\"\xe2\x82\"}]}", "",
       "UTF-8"},
      {"nesting bomb", R"({"messages":[{"role":"user","content":"a"}],"x":)" + deep + "}", "",
       "nested"},
      // messages
      {"missing messages", R"({"model":"m"})", "messages", "Missing required"},
      {"null messages", R"({"messages":null})", "messages", "Missing required"},
      {"messages not array", R"({"messages":"hi"})", "messages", "expected an array"},
      {"messages object", R"({"messages":{"role":"user"}})", "messages", "expected an array"},
      {"empty messages", R"({"messages":[]})", "messages", "empty array"},
      {"message not object", R"({"messages":["hi"]})", "messages[0]", "expected an object"},
      {"missing role", R"({"messages":[{"content":"a"}]})", "messages[0].role", "Missing"},
      {"role not string", R"({"messages":[{"role":1,"content":"a"}]})", "messages[0].role",
       "expected a string"},
      {"unknown role", R"({"messages":[{"role":"wizard","content":"a"}]})", "messages[0].role",
       "wizard"},
      {"function role",
       R"({"messages":[{"role":"user","content":"a"},{"role":"function","content":"b"}]})",
       "messages[1].role", "function"},
      {"missing content", R"({"messages":[{"role":"user"}]})", "messages[0].content", "Missing"},
      {"lone empty assistant", R"({"messages":[{"role":"assistant"}]})", "messages",
       "nothing to answer"},
      {"only blank turns",
       R"({"messages":[{"role":"system","content":" "},{"role":"assistant","content":null,"tool_calls":[]},{"role":"user","content":"\n\t"}]})",
       "messages", "nothing to answer"},
      {"empty text parts",
       R"({"messages":[{"role":"user","content":[{"type":"text","text":""}]}]})", "messages",
       "nothing to answer"},
      {"empty user content", R"({"messages":[{"role":"user","content":""}]})", "messages",
       "nothing to answer"},
      {"empty part list", R"({"messages":[{"role":"user","content":[]}]})", "messages",
       "nothing to answer"},
      {"null content for user", R"({"messages":[{"role":"user","content":null}]})",
       "messages[0].content", "null"},
      {"content number", R"({"messages":[{"role":"user","content":5}]})", "messages[0].content",
       "got number"},
      {"content object", R"({"messages":[{"role":"user","content":{"text":"a"}}]})",
       "messages[0].content", "got object"},
      {"image part, not a data URL",
       R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})",
       "messages[0].content[0].image_url.url", "data URL"},
      {"audio part without its object",
       R"({"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"input_audio"}]}]})",
       "messages[0].content[1].input_audio", "Missing"},
      {"video part",
       R"({"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"input_video"}]}]})",
       "messages[0].content[1].type", "'file' and 'input_audio'"},
      {"part without type", R"({"messages":[{"role":"user","content":[{"text":"a"}]}]})",
       "messages[0].content[0].type", "Missing"},
      {"part text not string",
       R"({"messages":[{"role":"user","content":[{"type":"text","text":7}]}]})",
       "messages[0].content[0].text", "string"},
      {"part not object", R"({"messages":[{"role":"user","content":["a"]}]})",
       "messages[0].content[0]", "object"},
      // response_format
      {"response_format string",
       R"({"messages":[{"role":"user","content":"a"}],"response_format":"json"})",
       "response_format", "expected an object"},
      {"response_format type",
       R"({"messages":[{"role":"user","content":"a"}],"response_format":{"type":"xml"}})",
       "response_format.type", "'json_object' and 'json_schema'"},
      {"json_schema missing",
       R"({"messages":[{"role":"user","content":"a"}],"response_format":{"type":"json_schema"}})",
       "response_format.json_schema", "Missing"},
      {"json_schema without name",
       R"({"messages":[{"role":"user","content":"a"}],"response_format":{"type":"json_schema","json_schema":{"schema":{}}}})",
       "response_format.json_schema.name", "Missing"},
      {"json_schema schema array",
       R"({"messages":[{"role":"user","content":"a"}],"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":[]}}})",
       "response_format.json_schema.schema", "expected an object"},
      // model / stream
      {"model number", R"({"model":5,"messages":[{"role":"user","content":"a"}]})", "model",
       "expected a string"},
      {"stream string", with_messages(R"(,"stream":"yes")"), "stream", "boolean"},
      {"stream_options not object", with_messages(R"(,"stream":true,"stream_options":true)"),
       "stream_options", "object"},
      {"include_usage string",
       with_messages(R"(,"stream":true,"stream_options":{"include_usage":"y"})"),
       "stream_options.include_usage", "boolean"},
      // sampling
      {"temperature too high", with_messages(R"(,"temperature":2.5)"), "temperature", "between"},
      {"temperature absurd", with_messages(R"(,"temperature":1e308)"), "temperature", "between"},
      {"temperature negative", with_messages(R"(,"temperature":-0.1)"), "temperature", "between"},
      {"temperature string", with_messages(R"(,"temperature":"hot")"), "temperature", "number"},
      {"top_p above one", with_messages(R"(,"top_p":1.01)"), "top_p", "between"},
      {"top_p bool", with_messages(R"(,"top_p":true)"), "top_p", "number"},
      // token limits
      {"max_tokens negative", with_messages(R"(,"max_tokens":-5)"), "max_tokens", "positive"},
      {"max_tokens zero", with_messages(R"(,"max_tokens":0)"), "max_tokens", "positive"},
      {"max_tokens fraction", with_messages(R"(,"max_tokens":10.5)"), "max_tokens", "integer"},
      {"max_tokens string", with_messages(R"(,"max_tokens":"100")"), "max_tokens", "integer"},
      {"max_tokens huge", with_messages(R"(,"max_tokens":99999999999)"), "max_tokens", "positive"},
      {"max_completion_tokens negative", with_messages(R"(,"max_completion_tokens":-1)"),
       "max_completion_tokens", "positive"},
      {"max_output_tokens array", with_messages(R"(,"max_output_tokens":[1])"), "max_output_tokens",
       "integer"},
      // stop
      {"stop number", with_messages(R"(,"stop":5)"), "stop", "string"},
      {"stop array of numbers", with_messages(R"(,"stop":["a",3])"), "stop[1]", "string"},
      {"stop too many", with_messages(seventeen), "stop", "too long"},
      // reasoning / n
      {"reasoning_effort unknown", with_messages(R"(,"reasoning_effort":"extreme")"),
       "reasoning_effort", "extreme"},
      {"reasoning_effort number", with_messages(R"(,"reasoning_effort":3)"), "reasoning_effort",
       "string"},
      {"n zero", with_messages(R"(,"n":0)"), "n", "It must be 1 to 8"},
      {"n nine", with_messages(R"(,"n":9)"), "n", "It must be 1 to 8"},
      {"n text", with_messages(R"(,"n":"2")"), "n", "expected an integer"},
  };
  CHECK(cases.size() >= 30);
  for (const auto& c : cases) {
    INFO("case: " << c.name);
    const auto r = parse_chat_request(c.body);
    CHECK_FALSE(r.ok);
    CHECK(r.error.status == 400);
    CHECK(r.error.param == c.param);
    CHECK(r.error.message.find(c.message_has) != std::string::npos);
  }
}

TEST_CASE("chat_request: UTF-8 validation") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  CHECK_FALSE(is_valid_utf8("\x80"));
  CHECK_FALSE(is_valid_utf8("\xc3"));
  CHECK_FALSE(is_valid_utf8("\xe0\x80\x80"));      // overlong
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xed\xbf\xbf"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xf8\x88\x80\x80\x80"));
}

TEST_CASE("chat_request: escaped unicode and embedded quotes survive") {
  auto r = parse_chat_request(R"({"messages":[{"role":"user","content":"say \"hi\" \u00e9 [not nested {"}]})");
  REQUIRE(r.ok);
  CHECK(r.request.messages[0].content == "say \"hi\" \xc3\xa9 [not nested {");
}
