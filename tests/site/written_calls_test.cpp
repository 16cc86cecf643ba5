// Native function calling with calls written in the answer's text (FACTS
// section 5: "models sometimes answer that way even in native mode"):
// call_forms::upstream_only in parse_emulated_answer, emulated_stream and
// adopt_written_calls (site/emulated_tools.hpp).
#include <doctest/doctest.h>

#include "site/emulated_tools.hpp"

using namespace camoufleet::site;
using camoufleet::core::generation_result;
using nlohmann::json;

namespace {
const std::vector<std::string> declared = {"get_weather", "get_time"};
const std::string upstream =
    "Let me check.\nRequest function call: get_weather\nParameters: {\"city\":\"Lima\"}";

std::string stream_through(emulated_stream& s, const std::string& text, std::size_t step) {
  std::string passed;
  for (std::size_t i = 0; i < text.size(); i += step) passed += s.feed(text.substr(i, step));
  return passed;
}
}  // namespace

TEST_CASE("written calls: native mode reads only `Request function call:` blocks") {
  auto a = parse_emulated_answer(upstream, declared, call_forms::upstream_only);
  REQUIRE(a.calls.size() == 1);
  CHECK(a.calls[0].name == "get_weather");
  CHECK(a.calls[0].arguments == json{{"city", "Lima"}});
  CHECK(a.text == "Let me check.");
  // The emulated convention's blocks are plain text there.
  const std::string fence =
      "```tool_calls\n{\"tool_calls\":[{\"name\":\"get_time\",\"arguments\":{}}]}\n```";
  a = parse_emulated_answer(fence, declared, call_forms::upstream_only);
  CHECK(a.calls.empty());
  CHECK(a.text == fence);
  a = parse_emulated_answer(R"({"tool_calls":[{"name":"get_time"}]})", declared,
                            call_forms::upstream_only);
  CHECK(a.calls.empty());
  // A block inside a code fence is an example, not a call.
  const std::string example = "Like this:\n```\nRequest function call: get_time\nParameters: {}\n```";
  CHECK(parse_emulated_answer(example, declared, call_forms::upstream_only).calls.empty());
  // Quoted in prose, or without its Parameters, it is text in native mode
  // (emulated mode takes both).
  const std::string quoted = "You asked: Request function call: get_time\nParameters: {}";
  CHECK(parse_emulated_answer(quoted, declared, call_forms::upstream_only).calls.empty());
  CHECK(parse_emulated_answer(quoted, declared, call_forms::all).calls.size() == 1);
  const std::string bare = "Request function call: get_time\nthat is all";
  a = parse_emulated_answer(bare, declared, call_forms::upstream_only);
  CHECK(a.calls.empty());
  CHECK(a.text == bare);
  CHECK(parse_emulated_answer(bare, declared, call_forms::all).calls.size() == 1);
  a = parse_emulated_answer("  Request function call: get_time\n  Parameters: {\"tz\":\"UTC\"}",
                            declared, call_forms::upstream_only);
  REQUIRE(a.calls.size() == 1);
  CHECK(a.calls[0].arguments == json{{"tz", "UTC"}});
  // An undeclared tool keeps the answer plain text.
  const std::string other = "Request function call: launch\nParameters: {}";
  a = parse_emulated_answer(other, declared, call_forms::upstream_only);
  CHECK(a.calls.empty());
  CHECK(a.text == other);
}

TEST_CASE("written calls: the native stream holds only lines that may open a block") {
  emulated_stream s(call_forms::upstream_only);
  CHECK(s.feed("```js\nx\n```\n{\"a\":1}\n") == "```js\nx\n```\n{\"a\":1}\n");
  CHECK(s.feed("Request function") == "");
  CHECK(s.feed(" call: get_time\nParameters: {\"tz\":\"CET\"}") == "");
  generation_result r;
  r.content = "```js\nx\n```\n{\"a\":1}\nRequest function call: get_time\nParameters: {\"tz\":\"CET\"}";
  r.finish_reason = "stop";
  const std::string tail = adopt_written_calls(s, declared, r);
  CHECK(tail.empty());
  REQUIRE(r.tool_calls.size() == 1);
  CHECK(r.tool_calls[0].name == "get_time");
  CHECK(r.tool_calls[0].arguments == R"({"tz":"CET"})");
  CHECK(r.tool_calls[0].id.rfind("call_", 0) == 0);
  CHECK(r.finish_reason == "tool_calls");
  CHECK(r.content == "```js\nx\n```\n{\"a\":1}");
}

TEST_CASE("written calls: native calls from the page win, the text stays as it was") {
  for (std::size_t step : {1u, 4u, 1000u}) {
    CAPTURE(step);
    emulated_stream s(call_forms::upstream_only);
    const std::string passed = stream_through(s, upstream, step);
    CHECK(passed == "Let me check.\n");
    generation_result r;
    r.content = upstream;
    r.finish_reason = "tool_calls";
    r.tool_calls = {{"call_x", "get_time", "{}"}};
    const std::string tail = adopt_written_calls(s, declared, r);
    CHECK(passed + tail == upstream);
    REQUIRE(r.tool_calls.size() == 1);
    CHECK(r.tool_calls[0].id == "call_x");
    CHECK(r.content == upstream);
  }
}

TEST_CASE("written calls: without a block nothing changes, in either mode") {
  for (auto forms : {call_forms::all, call_forms::upstream_only}) {
    emulated_stream s(forms);
    const std::string text = "Request function calls are not made here.\nBye.";
    const std::string passed = stream_through(s, text, 5);
    generation_result r;
    r.content = text;
    r.finish_reason = "stop";
    CHECK(passed + adopt_written_calls(s, declared, r) == text);
    CHECK(r.tool_calls.empty());
    CHECK(r.finish_reason == "stop");
    CHECK(r.content == text);
  }
}

TEST_CASE("written calls: emulated mode adopts calls and keeps a length finish") {
  emulated_stream s(call_forms::all);
  const std::string text = "ok\n```tool_calls\n{\"tool_calls\":[{\"name\":\"get_time\"}]}\n```";
  const std::string passed = stream_through(s, text, 7);
  CHECK(passed == "ok\n");
  generation_result r;
  r.content = text;
  r.finish_reason = "length";
  CHECK(adopt_written_calls(s, declared, r).empty());
  REQUIRE(r.tool_calls.size() == 1);
  CHECK(r.finish_reason == "length");
  CHECK(r.content == "ok");
}
