// Feeds random and mutated bodies through the same entry point libFuzzer
// uses, so every test run is a small fuzzing session (fixed seed: a failure
// reproduces).
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "http/chat_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

const std::vector<std::string> seeds = {
    R"({"messages":[{"role":"user","content":"hi"}]})",
    R"({"model":"gemini-2.5-pro","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"a"}]}],"stream":true,"stream_options":{"include_usage":true},"temperature":0.7,"top_p":0.9,"max_tokens":100,"stop":["x","y"],"reasoning_effort":"high"})",
    R"({"messages":[{"role":"assistant","content":null},{"role":"tool","content":"1"}],"n":1})",
    R"({"messages":[{"role":"user","content":"\u00e9\ud83d\ude00 \"q\""}],"max_completion_tokens":5})",
};

const char* tokens[] = {"{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "false", "-1",
                        "1e999", "0.5", "\"messages\"", "\"role\"", "\"content\"", "\"type\"",
                        "\"text\"", "\xff", "\xc3", "\xed\xa0\x80", "\x00", " ", "\n"};

std::string mutate(std::string s, std::mt19937& rng) {
  std::uniform_int_distribution<int> op(0, 4);
  const int rounds = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < rounds; ++i) {
    const std::size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (op(rng)) {
      case 0:  // flip a byte
        if (!s.empty()) s[pos % s.size()] = static_cast<char>(rng() & 0xff);
        break;
      case 1:  // delete a span
        if (!s.empty()) s.erase(pos % s.size(), 1 + rng() % 8);
        break;
      case 2: {  // insert a token
        const std::string t = tokens[rng() % (sizeof tokens / sizeof *tokens)];
        s.insert(pos, t.empty() ? std::string(1, '\0') : t);
        break;
      }
      case 3:  // duplicate a span
        if (!s.empty()) {
          const auto start = pos % s.size();
          s.insert(pos, s.substr(start, 1 + rng() % 16));
        }
        break;
      default:  // truncate
        s.resize(pos);
        break;
    }
  }
  return s;
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
