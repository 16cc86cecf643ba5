// Emulated function calling: the prompt block, the answer parser and the
// stream holdback (site/emulated_tools.hpp).
#include <doctest/doctest.h>

#include "site/emulated_tools.hpp"
#include "site/prompt.hpp"

using namespace camoufleet::site;
using nlohmann::json;

namespace {
const std::vector<std::string> declared = {"get_weather", "get_time"};

std::string fenced(const std::string& body, const std::string& info = "tool_calls") {
  return "```" + info + "\n" + body + "\n```";
}
}  // namespace

TEST_CASE("emulated tools: the prompt block lists the declarations and the convention") {
  const std::string decl = R"([{"name":"get_weather","parameters":{"type":"object"}}])";
  const std::string p = emulated_tools_prompt(decl);
  CHECK(p.rfind("Functions you can call (a JSON array", 0) == 0);
  CHECK(p.find("\n" + decl + "\n") != std::string::npos);
  CHECK(p.find("```tool_calls\n{\"tool_calls\":[{\"name\":\"FUNCTION_NAME\"") != std::string::npos);
  CHECK(declared_names(decl) == std::vector<std::string>{"get_weather"});
  CHECK(declared_names("not json").empty());
}

TEST_CASE("emulated tools: a fenced block with prose around it is one call") {
  const auto a = parse_emulated_answer(
      "Let me look.\n" + fenced(R"({"tool_calls":[{"name":"get_weather","arguments":{"city":"Paris"}}]})") +
          "\n",
      declared);
  REQUIRE(a.calls.size() == 1);
  CHECK(a.calls[0].name == "get_weather");
  CHECK(a.calls[0].arguments == json{{"city", "Paris"}});
  CHECK(a.text == "Let me look.");
}

TEST_CASE("emulated tools: several calls in the list are parallel calls, in order") {
  const auto a = parse_emulated_answer(
      fenced(R"({"tool_calls":[{"name":"get_weather","arguments":{"city":"Paris"}},
                 {"name":"get_time","arguments":"{\"zone\":\"CET\"}"},{"name":"get_time"}]})",
             "json"),
      declared);
  REQUIRE(a.calls.size() == 3);
  CHECK(a.calls[1].arguments == json{{"zone", "CET"}});  // arguments as a JSON string
  CHECK(a.calls[2].arguments == json::object());          // absent = {}
  CHECK(a.text.empty());
}

TEST_CASE("emulated tools: a bare object and upstream's form are recognised too") {
  auto a = parse_emulated_answer(
      R"(Sure: {"tool_calls": [{"name":"get_time","arguments":{"zone":"UTC"}}]} done)", declared);
  REQUIRE(a.calls.size() == 1);
  CHECK(a.text == "Sure:  done");
  a = parse_emulated_answer(
      "Request function call: get_weather (tool_call_id=call_1)\nParameters: {\"city\":\"Rome\"}\n"
      "Request function call: get_time\nParameters: {}",
      declared);
  REQUIRE(a.calls.size() == 2);
  CHECK(a.calls[0].arguments == json{{"city", "Rome"}});
  CHECK(a.calls[1].name == "get_time");
}

TEST_CASE("emulated tools: anything broken makes the whole answer plain text") {
  const std::vector<std::string> broken = {
      fenced(R"({"tool_calls":[{"name":"get_weather","arguments":{"city":)"),   // invalid JSON
      fenced(R"({"tool_calls":[{"name":"launch_rockets","arguments":{}}]})"),   // undeclared
      fenced(R"({"tool_calls":[{"name":"get_weather","arguments":[1]}]})"),     // not an object
      fenced(R"({"tool_calls":[]})"),                                            // no call
      fenced(R"({"calls":[{"name":"get_weather"}]})"),                           // named fence, no list
      "x " + fenced(R"({"tool_calls":[{"name":"get_time"}]})") + " " +
          fenced(R"({"tool_calls":[{"name":"nope"}]})"),                          // one bad of two
      "Request function call: get_weather\nParameters: {\"city\": ",             // unclosed
  };
  for (const auto& text : broken) {
    CAPTURE(text);
    const auto a = parse_emulated_answer(text, declared);
    CHECK(a.calls.empty());
    CHECK(a.text == text);
  }
}

TEST_CASE("emulated tools: ordinary code and JSON are not calls") {
  const std::string text = "Here:\n```python\nprint({\"tool_calls\": 1})\n```\n" +
                           fenced(R"({"city":"Paris"})", "json") + "\n{\"a\":1}";
  const auto a = parse_emulated_answer(text, declared);
  CHECK(a.calls.empty());
  CHECK(a.text == text);
}

TEST_CASE("emulated stream: prose flows, a possible call is held until the end") {
  const std::string answer =
      "I will check.\n" + fenced(R"({"tool_calls":[{"name":"get_weather","arguments":{"city":"Oslo"}}]})");
  emulated_stream s;
  std::string passed;
  for (std::size_t i = 0; i < answer.size(); i += 3) passed += s.feed(answer.substr(i, 3));
  CHECK(passed == "I will check.\n");
  const auto end = s.finish(declared);
  REQUIRE(end.answer.calls.size() == 1);
  CHECK(end.tail.empty());
  CHECK(end.answer.text == "I will check.");
}

TEST_CASE("emulated stream: held text that is no call is passed on at the end") {
  const std::string answer = "Code:\n  ```js\nx()\n```\nbye";
  emulated_stream s;
  std::string passed;
  for (char c : answer) passed += s.feed(std::string(1, c));
  CHECK(passed == "Code:\n");
  const auto end = s.finish(declared);
  CHECK(end.answer.calls.empty());
  CHECK(passed + end.tail == answer);
}

TEST_CASE("emulated stream: a line that only begins like a marker is released") {
  emulated_stream s;
  CHECK(s.feed("a\n``") == "a\n");
  CHECK(s.feed("x and more\n") == "``x and more\n");
  CHECK(s.feed("Request fun") == "");
  CHECK(s.feed("ny\n") == "Request funny\n");
  CHECK(s.feed("{") == "");
  CHECK(s.feed("\"tool_calls\":[{\"name\":\"get_time\"}]} after") == "");
  const auto end = s.finish(declared);
  REQUIRE(end.answer.calls.size() == 1);
  CHECK(end.tail == "after");
}

TEST_CASE("emulated tools: tool_choice becomes an instruction naming the block") {
  camoufleet::core::generation_params p;
  p.function_declarations = R"([{"name":"f"}])";
  p.tool_choice = "required";
  CHECK(tool_choice_instruction(p, true).find("```tool_calls block") != std::string::npos);
  p.tool_choice = "function";
  p.tool_choice_name = "f";
  CHECK(tool_choice_instruction(p, true).find("calls the function f (and no other") !=
        std::string::npos);
  p.tool_choice = "auto";
  CHECK(tool_choice_instruction(p, true).empty());
}

TEST_CASE("emulated tools: the tool block opens the system block, a lone user turn gets its label") {
  std::vector<camoufleet::core::chat_message> one = {{"user", "hi"}};
  CHECK(flatten_prompt(one, {}, "TOOLS") == "System Instructions:\nTOOLS\n\nUser:\nhi");
  std::vector<camoufleet::core::chat_message> two = {{"system", "be brief"}, {"user", "hi"}};
  CHECK(flatten_prompt(two, {}, "TOOLS") == "System Instructions:\nTOOLS\n\nbe brief\n\nUser:\nhi");
}
