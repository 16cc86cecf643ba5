// Feeds random and mutated bodies through the same entry point libFuzzer
// uses, so every test run is a small fuzzing session (fixed seed: a failure
// reproduces).
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "http/chat_request.hpp"
#include "http/responses_request.hpp"
#include "http/text_completion_request.hpp"
#include "tests/fuzz/mutate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

const std::vector<std::string> seeds = {
    R"({"messages":[{"role":"user","content":"hi"}]})",
    R"({"model":"gemini-2.5-pro","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"a"}]}],"stream":true,"stream_options":{"include_usage":true},"temperature":0.7,"top_p":0.9,"max_tokens":100,"stop":["x","y"],"reasoning_effort":"high"})",
    R"({"messages":[{"role":"assistant","content":null},{"role":"tool","content":"1"}],"n":1})",
    R"({"messages":[{"role":"user","content":"\u00e9\ud83d\ude00 \"q\""}],"max_completion_tokens":5})",
};

const std::vector<std::string> tokens = {
    "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "false", "-1", "1e999", "0.5",
    "\"messages\"", "\"role\"", "\"content\"", "\"type\"", "\"text\"", "\xff", "\xc3",
    "\xed\xa0\x80", "", " ", "\n"};

std::string mutate(const std::string& s, std::mt19937& rng) {
  return camoufleet::testing::mutate(s, rng, tokens);
}

int run(const std::string& s) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

}  // namespace

TEST_CASE("fuzz corpus: seeds parse and mutations never crash or throw") {
  for (const auto& s : seeds) {
    INFO(s);
    CHECK(camoufleet::http::parse_chat_request(s).ok);
  }
  std::mt19937 rng(20261129);
  int accepted = 0;
  int refused = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string input = mutate(seeds[static_cast<std::size_t>(i) % seeds.size()], rng);
    REQUIRE_NOTHROW(run(input));
    (camoufleet::http::parse_chat_request(input).ok ? accepted : refused)++;
  }
  // Both outcomes must occur, or the mutations are not exercising the parser.
  CHECK(accepted > 0);
  CHECK(refused > 0);
}

TEST_CASE("fuzz corpus: random bytes and deep nesting never crash") {
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string s(rng() % 256, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xff);
    REQUIRE_NOTHROW(run(s));
  }
  std::string deep = R"({"messages":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  REQUIRE_NOTHROW(run(deep));
  CHECK_FALSE(camoufleet::http::parse_chat_request(deep).ok);
}

// POST /v1/responses rewrites the body before the chat reader sees it: the
// rewriting must hold for any input too (nlohmann's operator[] on a const
// object with a missing key would be undefined behaviour, not an error).
TEST_CASE("fuzz corpus: Responses API bodies never crash, throw or break the invariants") {
  const std::vector<std::string> responses_seeds = {
      R"({"input":"hi"})",
      R"({"model":"gemini-2.5-pro","instructions":"s","input":[{"role":"user","content":[{"type":"input_text","text":"a"},{"type":"input_image","image_url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}]}],"stream":true,"temperature":0.7,"max_output_tokens":9,"reasoning":{"effort":"low"},"text":{"format":{"type":"json_schema","name":"n","schema":{"type":"object"}}}})",
      R"({"input":[{"role":"user","content":"q"},{"type":"reasoning","summary":[]},{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"c","output":"1"}],"tools":[{"type":"function","name":"f","parameters":{"type":"object"}}],"tool_choice":{"type":"function","name":"f"}})",
  };
  const std::vector<std::string> responses_tokens = {
      "{",           "}",        "[",          "]",           ",",
      ":",           "\"",       "null",       "true",        "1",
      "\"input\"",   "\"type\"", "\"role\"",   "\"content\"", "\"function_call\"",
      "\"message\"", "\"text\"", "\"format\"", "\"tools\"",   "\"name\"",
      "\xff",        ""};
  for (const auto& s : responses_seeds) {
    INFO(s);
    CHECK(camoufleet::http::parse_responses_request(s).chat.ok);
  }
  std::mt19937 rng(20261207);
  int accepted = 0;
  int refused = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string input = camoufleet::testing::mutate(
        responses_seeds[static_cast<std::size_t>(i) % responses_seeds.size()], rng,
        responses_tokens);
    camoufleet::http::responses_parse_result r;
    REQUIRE_NOTHROW(r = camoufleet::http::parse_responses_request(input));
    if (r.chat.ok) {
      REQUIRE_FALSE(r.chat.request.messages.empty());
      ++accepted;
    } else {
      REQUIRE(r.chat.error.status == 400);
      REQUIRE_FALSE(r.chat.error.message.empty());
      ++refused;
    }
  }
  CHECK(accepted > 0);
  CHECK(refused > 0);
}

// POST /v1/completions builds a chat body from the legacy one: any input
// gives a request with its prompt as a turn and parts within the bound, or
// a 400 with words.
TEST_CASE("fuzz corpus: legacy text completion bodies never crash, throw or break the invariants") {
  const std::vector<std::string> legacy_seeds = {
      R"({"prompt":"hi"})",
      R"({"model":"gemini-2.5-pro","prompt":["a","b"],"n":2,"stream":true,"stream_options":{"include_usage":true},"max_tokens":9,"stop":"x","echo":false,"suffix":null,"best_of":2,"logprobs":1})",
      R"({"prompt":["q"],"temperature":0.5,"top_p":1})",
  };
  const std::vector<std::string> legacy_tokens = {
      "{",          "}",           "[",          "]",    ",",  ":",          "\"",    "null",
      "true",       "false",       "1",          "-1",   "20", "\"prompt\"", "\"n\"", "\"echo\"",
      "\"suffix\"", "\"best_of\"", "\"stream\"", "\xff", "",   " "};
  for (const auto& s : legacy_seeds) {
    INFO(s);
    CHECK(camoufleet::http::parse_text_completion_request(s).ok);
  }
  std::mt19937 rng(20261208);
  int accepted = 0;
  int refused = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string input = camoufleet::testing::mutate(
        legacy_seeds[static_cast<std::size_t>(i) % legacy_seeds.size()], rng, legacy_tokens);
    camoufleet::http::chat_parse_result r;
    REQUIRE_NOTHROW(r = camoufleet::http::parse_text_completion_request(input));
    if (r.ok) {
      REQUIRE(r.request.messages.size() == 1);
      REQUIRE(r.parts() >= 1);
      REQUIRE(r.parts() <= camoufleet::http::max_prompt_parts);
      REQUIRE(r.prompts.size() != 1);
      ++accepted;
    } else {
      REQUIRE(r.error.status == 400);
      REQUIRE_FALSE(r.error.message.empty());
      ++refused;
    }
  }
  CHECK(accepted > 0);
  CHECK(refused > 0);
}
