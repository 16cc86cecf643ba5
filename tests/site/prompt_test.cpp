#include "site/prompt.hpp"

#include <doctest/doctest.h>

using namespace camoufleet::site;

TEST_CASE("flatten_prompt: a single user message is sent as is") {
  CHECK(flatten_prompt({{"user", "Hello there"}}) == "Hello there");
  // Blank messages do not count as history.
  CHECK(flatten_prompt({{"system", "  "}, {"user", "Hi"}}) == "Hi");
}

TEST_CASE("flatten_prompt: system block, then labelled turns in order") {
  std::vector<chat_message> msgs = {{"system", "Be brief."},
                                    {"user", "What is 2+2?"},
                                    {"assistant", "4"},
                                    {"system", "Answer in French."},
                                    {"user", "And 3+3?"}};
  CHECK(flatten_prompt(msgs) ==
        "System Instructions:\nBe brief.\n\nAnswer in French.\n\n"
        "User:\nWhat is 2+2?\n\nAssistant:\n4\n\nUser:\nAnd 3+3?");
}

TEST_CASE("flatten_prompt: system plus one user message is labelled") {
  CHECK(flatten_prompt({{"system", "S"}, {"user", "U"}}) == "System Instructions:\nS\n\nUser:\nU");
}

TEST_CASE("flatten_prompt: developer counts as system, unknown roles as user") {
  CHECK(flatten_prompt({{"developer", "D"}, {"function", "T"}, {"assistant", "A"}}) ==
        "System Instructions:\nD\n\nUser:\nT\n\nAssistant:\nA");
}

TEST_CASE("flatten_prompt: tool calls and tool results in the documented form") {
  chat_message user{"user", "Weather in Paris and the time?"};
  chat_message calls{"assistant", ""};
  calls.tool_calls = {{"call_1", "get_weather", R"({"city":"Paris"})"},
                      {"call_2", "get_time", ""}};
  chat_message r1{"tool", "20 C"};
  r1.tool_call_id = "call_1";
  chat_message r2{"tool", ""};
  r2.tool_call_id = "call_2";
  CHECK(flatten_prompt({user, calls, r1, r2}) ==
        "User:\nWeather in Paris and the time?\n\n"
        "Assistant:\nRequest function call: get_weather (tool_call_id=call_1)\n"
        "Parameters: {\"city\":\"Paris\"}\n"
        "Request function call: get_time (tool_call_id=call_2)\nParameters: {}\n\n"
        "Tool result (tool_call_id=call_1):\n20 C\n\n"
        "Tool result (tool_call_id=call_2):\n");
  // Text beside the calls comes first.
  calls.content = "Let me look.";
  calls.tool_calls.resize(1);
  CHECK(flatten_prompt({user, calls}) ==
        "User:\nWeather in Paris and the time?\n\n"
        "Assistant:\nLet me look.\nRequest function call: get_weather (tool_call_id=call_1)\n"
        "Parameters: {\"city\":\"Paris\"}");
}

TEST_CASE("tool_choice_instruction: required and a named function become a last paragraph") {
  generation_params p;
  CHECK(tool_choice_instruction(p).empty());
  p.function_declarations = R"([{"name":"f"}])";
  p.tool_choice = "auto";
  CHECK(tool_choice_instruction(p).empty());
  p.tool_choice = "required";
  CHECK(tool_choice_instruction(p).find("one or more function calls") != std::string::npos);
  p.tool_choice = "function";
  p.tool_choice_name = "f";
  CHECK(tool_choice_instruction(p).find("calling the function f;") != std::string::npos);
  p.function_declarations.clear();  // tool_choice none: nothing declared, nothing said
  CHECK(tool_choice_instruction(p).empty());
}

TEST_CASE("response_format_instruction: JSON mode and a schema become a last paragraph") {
  generation_params p;
  CHECK(response_format_instruction(p).empty());
  p.response_format = "json_object";
  CHECK(response_format_instruction(p) ==
        "Answer with one JSON object only. Put no text before or after it, no Markdown and no "
        "code fence.");
  p.response_format = "json_schema";
  p.response_schema = R"({"name":"trip","schema":{"type":"object","required":["city"]}})";
  const std::string with_schema = response_format_instruction(p);
  CHECK(with_schema.rfind("Answer with one JSON value only, valid against this JSON Schema "
                          "(\"trip\"):\n{",
                          0) == 0);
  CHECK(with_schema.find("\"required\": [") != std::string::npos);  // indented
  p.response_schema = R"({"name":"trip"})";
  CHECK(response_format_instruction(p).rfind("Answer with one JSON value only (\"trip\").", 0) == 0);
}

TEST_CASE("flatten_prompt: a lone assistant message is still labelled") {
  CHECK(flatten_prompt({{"assistant", "A"}}) == "Assistant:\nA");
}

TEST_CASE("flatten_prompt: labels and separator come from the site file") {
  prompt_labels l;
  l.system = "SYS";
  l.user = "Q";
  l.assistant = "R";
  l.separator = "\n---\n";
  CHECK(flatten_prompt({{"system", "s"}, {"user", "u"}, {"assistant", "a"}}, l) ==
        "SYS\ns\n---\nQ\nu\n---\nR\na");
}

TEST_CASE("flatten_prompt: nothing to send gives an empty prompt") {
  CHECK(flatten_prompt({}).empty());
  CHECK(flatten_prompt({{"user", ""}}).empty());
}
