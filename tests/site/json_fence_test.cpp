// The code fence around an answer asked for as JSON, taken off while it
// streams (site/json_fence.*).
#include "site/json_fence.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using camoufleet::site::json_fence;

namespace {

// Fed in the given pieces: what was passed on after each, and in all.
struct run {
  std::vector<std::string> steps;
  std::string all;
};
run feed_all(const std::vector<std::string>& pieces) {
  json_fence f;
  run r;
  for (const auto& p : pieces) {
    r.steps.push_back(f.feed(p));
    r.all += r.steps.back();
  }
  r.steps.push_back(f.finish());
  r.all += r.steps.back();
  return r;
}

}  // namespace

TEST_CASE("json_fence: a fenced answer is unwrapped, however it is cut") {
  const std::string text = "```json\n{\"a\": 1,\n \"b\": [2]}\n```\n";
  CHECK(json_fence::strip(text) == "{\"a\": 1,\n \"b\": [2]}");
  // Every way of cutting it in two gives the same text.
  for (std::size_t i = 0; i <= text.size(); ++i) {
    CAPTURE(i);
    CHECK(feed_all({text.substr(0, i), text.substr(i)}).all == "{\"a\": 1,\n \"b\": [2]}");
  }
  // One byte at a time: the body streams before the end.
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  auto r = feed_all(bytes);
  CHECK(r.all == "{\"a\": 1,\n \"b\": [2]}");
  CHECK(r.steps[8] == "{");  // after "```json\n" (8 bytes) the "{" passes at once
  CHECK(json_fence::strip("  ```\n[1]\n```") == "[1]");
  CHECK(json_fence::strip("```json\n```") == "");
}

TEST_CASE("json_fence: text without a fence passes untouched, and at once") {
  CHECK(json_fence::strip("{\"a\": 1}") == "{\"a\": 1}");
  auto r = feed_all({"{\"a\"", ": 1}\n```"});
  CHECK(r.steps[0] == "{\"a\"");  // nothing held once it is not a fence
  CHECK(r.all == "{\"a\": 1}\n```");
  CHECK(json_fence::strip("`x`") == "`x`");
  CHECK(json_fence::strip("``") == "``");
  CHECK(json_fence::strip(" \n") == " \n");
}

TEST_CASE("json_fence: what is not a closing fence is passed on") {
  // Backticks inside the body, and text after the closing fence.
  CHECK(json_fence::strip("```json\n{\"code\": \"``x\"}\n``y\n```") == "{\"code\": \"``x\"}\n``y");
  CHECK(json_fence::strip("```json\n{}\n```\nHope this helps") == "{}\n```\nHope this helps");
  // A fence that never closes keeps its body.
  CHECK(json_fence::strip("```json\n{\"a\": 1}") == "{\"a\": 1}");
  // An opening line that never ends is given back as it came.
  CHECK(json_fence::strip("```json") == "```json");
}
