// Every fuzz target's seeds, then a fixed-seed round of mutations of them,
// through the same entry points libFuzzer drives in a fuzz build: each test
// run is a small fuzzing session, and a failure reproduces. A broken
// invariant traps: the test crashes; rerun it with FUZZ_REPLAY_DUMP=FILE to
// get the input (or run the target on the seeds dir in a fuzz build).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "tests/fuzz/mutate.hpp"

extern "C" int fuzz_stream_parser(const std::uint8_t*, std::size_t);
extern "C" int fuzz_list_models(const std::uint8_t*, std::size_t);
extern "C" int fuzz_protocol_decoders(const std::uint8_t*, std::size_t);

namespace {

using entry = int (*)(const std::uint8_t*, std::size_t);

std::vector<std::string> seeds_of(const std::string& target) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(CAMOUFLEET_FUZZ_SEEDS) + "/" + target)) {
    std::ifstream in(e.path(), std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

// With FUZZ_REPLAY_DUMP=FILE set, each input is written to FILE before it
// runs: after a crash, FILE holds the one that broke.
int run(entry fn, const std::string& s) {
  if (const char* dump = std::getenv("FUZZ_REPLAY_DUMP")) {
    std::ofstream(dump, std::ios::binary | std::ios::trunc) << s;
  }
  return fn(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// Seeds, mutations, random bytes, deep nesting: none may crash, throw or
// break the target's invariants. Returns how many inputs ran.
int round_of(entry fn, const std::string& target, const std::vector<std::string>& tokens,
             int mutations) {
  const auto seeds = seeds_of(target);
  REQUIRE(!seeds.empty());
  int ran = 0;
  for (const auto& s : seeds) {
    REQUIRE_NOTHROW(run(fn, s));
    ++ran;
  }
  std::mt19937 rng(20261205);
  for (int i = 0; i < mutations; ++i) {
    std::string input = seeds[static_cast<std::size_t>(i) % seeds.size()];
    // Mutations stack: every fourth input mutates the previous result again.
    for (int k = 0; k <= i % 4; ++k) input = camoufleet::testing::mutate(input, rng, tokens);
    REQUIRE_NOTHROW(run(fn, input));
    ++ran;
  }
  for (int i = 0; i < 500; ++i) {
    std::string s(rng() % 300, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xff);
    REQUIRE_NOTHROW(run(fn, s));
    ++ran;
  }
  REQUIRE_NOTHROW(run(fn, "\x03" + std::string(50000, '[') + std::string(50000, ']')));
  return ran + 1;
}

const std::vector<std::string> json_tokens = {
    "[", "]", "{", "}", ",", ":", "\"", "\\", "\\u00e9", "\\ud83d", "null", "true", "false",
    "-1", "1e999", "0.5", "8", "\"model\"", "\"\"", "\xff", "\xc3", "\xed\xa0\x80", "", " "};

}  // namespace

TEST_CASE("fuzz replay: the stream parser gives the same result in pieces as whole, throws only its error") {
  auto tokens = json_tokens;
  tokens.insert(tokens.end(), {"[[", "]]", "[8,\"quota\"]", "[null,\"x\"]", ",1]"});
  CHECK(round_of(fuzz_stream_parser, "stream_parser", tokens, 4000) > 4000);
}

TEST_CASE("fuzz replay: ListModels gives models with ids and names or a site error") {
  auto tokens = json_tokens;
  tokens.insert(tokens.end(), {"\"models/\"", "\"models/x\"", "[\"models/y\",null,\"1\",\"\"]"});
  CHECK(round_of(fuzz_list_models, "list_models", tokens, 4000) > 4000);
}

TEST_CASE("fuzz replay: the CDP and BiDi decoders never throw and keep their shapes") {
  auto tokens = json_tokens;
  tokens.insert(tokens.end(), {"\"id\":", "\"method\":", "\"params\":", "\"result\":",
                               "\"error\":", "\"type\":\"event\"", "\"type\":\"success\"",
                               "\"type\":\"error\"", "9007199254740993", "-0", "1.5"});
  CHECK(round_of(fuzz_protocol_decoders, "protocol_decoders", tokens, 6000) > 6000);
}
