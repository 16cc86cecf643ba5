// POST /v1/completions, the legacy text completions: the body read as the
// chat request the fleet answers (http/text_completion_request.*), and the
// answer written in the text_completion shape, whole and streamed
// (completion_meta::text in http/sse.* and completion_stream).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "http/choices_stream.hpp"
#include "http/completion_stream.hpp"
#include "http/sse.hpp"
#include "http/text_completion_request.hpp"
#include "sse_chunks.hpp"

using namespace camoufleet;
using namespace camoufleet::http;
using nlohmann::json;

namespace {

completion_meta text_meta() {
  completion_meta m{"cmpl-abc", 1700000000, "gemini-2.5-pro"};
  m.text = true;
  return m;
}

request_finished done(const std::string& content, const std::string& reasoning = {}) {
  request_finished f;
  f.content = content;
  f.reasoning = reasoning;
  f.finish_reason = "stop";
  f.prompt_tokens = 7;
  f.completion_tokens = 5;
  f.reasoning_tokens = reasoning.empty() ? 0 : 2;
  return f;
}

request_delta delta(const std::string& content, const std::string& reasoning = {}) {
  request_delta d;
  d.content = content;
  d.reasoning = reasoning;
  return d;
}

std::vector<json> chunks(std::string body) { return testing::sse_chunks(std::move(body)); }

}  // namespace

TEST_CASE("text completion request: the prompt is the one user turn, the shared fields kept") {
  auto r = parse_text_completion_request(
      R"({"model":"models/gemini-2.5-pro","prompt":"Once upon a time","max_tokens":64,)"
      R"("temperature":0.3,"top_p":0.9,"stop":["\n\n"],"n":2,"stream":true,)"
      R"("stream_options":{"include_usage":true},"logprobs":3,"seed":1,"user":"u",)"
      R"("presence_penalty":0.5,"logit_bias":{"50256":-100},"echo":false,"suffix":"",)"
      R"("best_of":2})");
  REQUIRE(r.ok);
  REQUIRE(r.request.messages.size() == 1);
  CHECK(r.request.messages[0].role == "user");
  CHECK(r.request.messages[0].content == "Once upon a time");
  CHECK(r.request.params.model == "gemini-2.5-pro");
  CHECK(r.request.params.max_output_tokens == 64);
  CHECK(r.request.params.temperature == doctest::Approx(0.3));
  CHECK(r.request.params.top_p == doctest::Approx(0.9));
  CHECK(r.request.params.stop == std::vector<std::string>{"\n\n"});
  CHECK(r.request.stream);
  CHECK(r.include_usage);
  CHECK(r.choices == 2);
  CHECK(r.message_names == std::vector<std::string>{"prompt"});

  // A list of one prompt is that prompt; unset max_tokens stays unset (no
  // 16-token default); tools and messages are not read from a legacy body.
  auto one = parse_text_completion_request(
      R"({"prompt":["Say hi"],"tools":[{"type":"function","function":{"name":"f"}}],)"
      R"("messages":[{"role":"system","content":"ignored"}]})");
  REQUIRE(one.ok);
  REQUIRE(one.request.messages.size() == 1);
  CHECK(one.request.messages[0].content == "Say hi");
  CHECK(one.request.params.max_output_tokens == -1);
  CHECK(one.request.params.function_declarations.empty());
  CHECK_FALSE(one.request.stream);
  CHECK(one.choices == 1);
  CHECK(one.prompts.empty());
  CHECK(one.parts() == 1);

  // Several prompts (LangChain's batches): each answered n times.
  auto many = parse_text_completion_request(R"({"prompt":["First","Second","Third"],"n":2})");
  REQUIRE(many.ok);
  CHECK(many.prompts == std::vector<std::string>{"First", "Second", "Third"});
  CHECK(many.request.messages.at(0).content == "First");
  CHECK(many.choices == 2);
  CHECK(many.parts() == 6);
  CHECK(parse_text_completion_request(
            R"({"prompt":["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15",)"
            R"("16","17","18","19","20"]})")
            .ok);
}

TEST_CASE("text completion request: what a page cannot do is refused by name") {
  struct bad {
    const char* body;
    const char* param;
    const char* message_has;
  };
  const bad cases[] = {
      {R"({"model":"m"})", "prompt", "Missing required parameter: 'prompt'"},
      {R"({"prompt":null})", "prompt", "Missing required parameter"},
      {R"({"prompt":"  \n "})", "prompt", "nothing to answer"},
      {R"({"prompt":[]})", "prompt", "empty array"},
      {R"({"prompt":["a"," "]})", "prompt", "'prompt[1]': it has no text"},
      {R"({"prompt":["a","b","c","d","e","f","g","h","i","j","k"],"n":2})", "prompt",
       "11 prompts times n = 2 ask for 22 answers; one request may ask for at most 20"},
      {R"({"prompt":[1,2,3]})", "prompt", "token ids"},
      {R"({"prompt":[[1,2],[3]]})", "prompt", "token ids"},
      {R"({"prompt":["a",1]})", "prompt",
       "expected a string or an array of strings, but got number"},
      {R"({"prompt":{"text":"a"}})", "prompt", "but got object"},
      {R"({"prompt":"a","echo":true})", "echo", "'echo' is not supported"},
      {R"({"prompt":"a","echo":"yes"})", "echo", "expected a boolean"},
      {R"({"prompt":"a","suffix":"end"})", "suffix", "'suffix' is not supported"},
      {R"({"prompt":"a","suffix":3})", "suffix", "expected a string"},
      {R"({"prompt":"a","best_of":3})", "best_of", "'best_of' above 'n'"},
      {R"({"prompt":"a","best_of":3,"n":2})", "best_of", "'best_of' above 'n'"},
      {R"({"prompt":"a","best_of":"3"})", "best_of", "expected an integer"},
      // The shared fields: the chat parser's words, the same field names.
      {R"({"prompt":"a","max_tokens":-1})", "max_tokens", "max_tokens"},
      {R"({"prompt":"a","temperature":3})", "temperature", "temperature"},
      {R"({"prompt":"a","n":9})", "n", "n"},
      {R"({"prompt":"a","stream":"yes"})", "stream", "stream"},
      {R"({"prompt":"a","model":5})", "model", "model"},
      {R"([1])", "", "JSON object"},
      {R"({"prompt":)", "", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    auto r = parse_text_completion_request(c.body);
    CHECK_FALSE(r.ok);
    CHECK(r.error.status == 400);
    CHECK(r.error.param == c.param);
    CHECK(r.error.message.find(c.message_has) != std::string::npos);
  }
}

TEST_CASE("text completion: a whole answer is a text_completion with text and logprobs null") {
  const auto j = json::parse(completion_json(text_meta(), done("It was a dark night.", "hm")));
  CHECK(j["id"] == "cmpl-abc");
  CHECK(j["object"] == "text_completion");
  CHECK(j["created"] == 1700000000);
  CHECK(j["model"] == "gemini-2.5-pro");
  REQUIRE(j["choices"].size() == 1);
  const auto& c = j["choices"][0];
  CHECK(c["text"] == "It was a dark night.");
  CHECK(c["index"] == 0);
  CHECK(c["logprobs"].is_null());
  CHECK(c["finish_reason"] == "stop");
  CHECK_FALSE(c.contains("message"));  // no chat message, no reasoning field
  CHECK(j["usage"]["prompt_tokens"] == 7);
  CHECK(j["usage"]["completion_tokens"] == 5);
  CHECK(j["usage"]["total_tokens"] == 12);

  // n choices: each its own text at its index; the prompt counted once.
  const auto n = json::parse(completion_json(text_meta(), {done("A"), done("B")}));
  REQUIRE(n["choices"].size() == 2);
  CHECK(n["choices"][1]["text"] == "B");
  CHECK(n["choices"][1]["index"] == 1);
  CHECK(n["usage"]["prompt_tokens"] == 7);
  CHECK(n["usage"]["completion_tokens"] == 10);

  // Two prompts, two choices each: each prompt counted once, with its first.
  std::vector<request_finished> four = {done("1a"), done("1b"), done("2a"), done("2b")};
  four[2].prompt_tokens = 20;
  four[3].prompt_tokens = 20;
  CHECK(prompt_tokens_once(four, 2) == 27);
  CHECK(prompt_tokens_once(four, 0) == 7);  // one prompt: the first choice's
  CHECK(json::parse(completion_json(text_meta(), four, 2))["usage"]["prompt_tokens"] == 27);
  CHECK(json::parse(completion_json(text_meta(), four))["usage"]["prompt_tokens"] == 7);
}

TEST_CASE("text completion stream: text chunks, no role or reasoning, finish, usage, [DONE]") {
  completion_stream s(text_meta(), true);
  std::string body = s.on_delta(delta("", "thinking"));  // reasoning only: nothing to send
  CHECK(body.empty());
  body += s.on_delta(delta("It was", "more thought"));
  body += s.on_delta(delta(" a dark"));
  body += s.on_finished(done("It was a dark night.", "thinkingmore thought"));
  CHECK(s.ended());

  const auto c = chunks(body);
  REQUIRE(c.size() == 6);
  std::string text;
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(c[i]["object"] == "text_completion");
    CHECK(c[i]["id"] == "cmpl-abc");
    REQUIRE(c[i]["choices"].size() == 1);
    CHECK(c[i]["choices"][0]["index"] == 0);
    CHECK(c[i]["choices"][0]["logprobs"].is_null());
    CHECK_FALSE(c[i]["choices"][0].contains("delta"));
    text += c[i]["choices"][0]["text"].get<std::string>();
  }
  CHECK(text == "It was a dark night.");
  CHECK(c[2]["choices"][0]["text"] == " night.");  // what the deltas did not carry
  CHECK(c[0]["choices"][0]["finish_reason"].is_null());
  CHECK(c[3]["choices"][0]["text"] == "");
  CHECK(c[3]["choices"][0]["finish_reason"] == "stop");
  CHECK(c[4]["object"] == "text_completion");
  CHECK(c[4]["choices"].empty());
  CHECK(c[4]["usage"]["total_tokens"] == 12);
  CHECK(c[5] == "[DONE]");

  // A call the page gave anyway has no field here: the stream just ends.
  completion_stream calls(text_meta(), false);
  request_finished f = done("");
  f.tool_calls.push_back({"call_1", "f", "{}"});
  const auto ended = chunks(calls.on_finished(f));
  REQUIRE(ended.size() == 2);
  CHECK(ended[0]["choices"][0]["finish_reason"] == "stop");
  CHECK(ended[1] == "[DONE]");
}

TEST_CASE("text completion stream: n choices interleaved as text chunks at their index") {
  choices_stream s(text_meta(), 2, false);
  std::string body = s.on_choice_delta(1, delta("B"));
  body += s.on_choice_delta(0, delta("A"));
  body += s.on_choice_finished(0, done("A!"));
  body += s.on_choice_finished(1, done("B"));
  CHECK(s.ended());
  const auto c = chunks(body);
  REQUIRE(c.size() == 6);
  CHECK(c[0]["choices"][0]["index"] == 1);
  CHECK(c[0]["choices"][0]["text"] == "B");
  CHECK(c[1]["choices"][0]["index"] == 0);
  CHECK(c[2]["choices"][0]["text"] == "!");
  CHECK(c[3]["choices"][0]["finish_reason"] == "stop");
  CHECK(c[4]["choices"][0]["index"] == 1);
  CHECK(c[4]["choices"][0]["finish_reason"] == "stop");
  CHECK(c[5] == "[DONE]");
  for (std::size_t i = 0; i < 5; ++i) CHECK(c[i]["object"] == "text_completion");

  // Two prompts, one choice each, the second first to finish: each
  // prompt's tokens counted once in the usage chunk.
  choices_stream two(text_meta(), 2, true, 1);
  request_finished second = done("B");
  second.prompt_tokens = 20;
  std::string tail = two.on_choice_finished(1, second);
  tail += two.on_choice_finished(0, done("A"));
  const auto u = chunks(tail);
  REQUIRE(u.size() == 6);
  CHECK(u[4]["usage"]["prompt_tokens"] == 27);
  CHECK(u[4]["usage"]["completion_tokens"] == 10);
}
