// The simulator's function calling and uploads (sim/function_calling.*).
#include <doctest/doctest.h>

#include "sim/function_calling.hpp"
#include "sim/sim_state.hpp"
#include "sim/stream_format.hpp"

using namespace camoufleet::sim;
using nlohmann::json;

TEST_CASE("sim calls: the last turn starts after the last turn label") {
  CHECK(last_turn("just a prompt") == "just a prompt");
  CHECK(last_turn("User:\nhi\n\nAssistant:\nyo\n\nUser:\ncall f {}") == "call f {}");
  CHECK(last_turn("User:\ncall f {}\n\nTool result (tool_call_id=call_1):\n42") == "42");
}

TEST_CASE("sim calls: one phrase per call, declared names only, JSON objects only") {
  const std::vector<std::string> declared = {"get_weather", "get_time"};
  auto calls = find_call_phrases(
      R"(please call get_weather {"city":"Paris","days":[1,2]} and call get_time {"tz":"CET"})",
      declared);
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].name == "get_weather");
  CHECK(calls[0].args == json::parse(R"({"city":"Paris","days":[1,2]})"));
  CHECK(calls[1].name == "get_time");
  CHECK(find_call_phrases(R"(call unknown {"a":1})", declared).empty());
  CHECK(find_call_phrases(R"(call get_time [1])", declared).empty());
  CHECK(find_call_phrases(R"(recall get_time {})", declared).empty());
  CHECK(find_call_phrases("User:\ncall get_time {}\n\nTool result (tool_call_id=x):\nok", declared)
            .empty());
}

TEST_CASE("sim calls: arguments go out as a Struct in array form at part index 10") {
  CHECK(struct_value(nullptr) == json::parse("[null]"));
  CHECK(struct_value(2.5) == json::parse("[null,2.5]"));
  CHECK(struct_value("x") == json::parse(R"([null,null,"x"])"));
  CHECK(struct_value(true) == json::parse("[null,null,null,1]"));
  CHECK(struct_value(json::parse(R"({"a":false})")) ==
        json::parse(R"([null,null,null,null,[["a",[null,null,null,0]]]])"));
  CHECK(struct_value(json::parse("[1]")) == json::parse("[null,null,null,null,null,[[[null,1]]]]"));
  const json part = json::parse(function_call_part({"f", json::parse(R"({"n":1})")}));
  REQUIRE(part.size() == 11);
  CHECK(part[10] == json::parse(R"(["f",[[["n",[null,1]]]]])"));
}

TEST_CASE("sim calls: an answer of calls repeats the first one and ends with stop") {
  auto pieces = encode_calls({{"a", json::object()}, {"b", json::object()}}, 3, "v1_t");
  std::string body;
  for (const auto& p : pieces) body += p;
  const auto d = decode_stream(body);
  CHECK(d.function_calls == 3);  // a, b, a again
  CHECK(d.finish == finish_stop);
  CHECK(d.text.empty());
}

TEST_CASE("sim uploads: the answer names every file after its first token") {
  answer_input in;
  in.prompt = "what is this";
  in.file_notes = file_tokens({{"a.png", "image/png", 70}, {"b.gif", "image/gif", 35}});
  auto a = compute_answer(in);
  REQUIRE(a.text_tokens.size() > 3);
  CHECK(a.text_tokens[1] == " [file image/png 70 bytes]");
  CHECK(a.text_tokens[2] == " [file image/gif 35 bytes]");
  std::string err;
  auto p = parse_generate_body(
      R"({"prompt":"x","tools":[{"name":"f"}],"files":[{"name":"a.png","type":"image/png","size":70}]})",
      err);
  REQUIRE(p);
  CHECK(p->tools == std::vector<std::string>{"f"});
  REQUIRE(p->files.size() == 1);
  CHECK(p->files[0].size == 70);
}

TEST_CASE("sim emulated calls: the prompt's tool block, answered with a ```tool_calls block") {
  const std::string prompt =
      "System Instructions:\nFunctions you can call (a JSON array: ...):\n"
      "[{\"name\":\"get_weather\"},{\"name\":\"get_time\",\"parameters\":{}}]\nTo call ...\n\n"
      "User:\nplease call get_time {\"tz\":\"CET\"} and call nope {}";
  const auto names = prompt_functions(prompt);
  CHECK(names == std::vector<std::string>{"get_weather", "get_time"});
  CHECK(prompt_functions("User:\nno tools here").empty());
  const auto calls = find_call_phrases(prompt, names);
  REQUIRE(calls.size() == 1);
  const std::string text = emulated_call_text(calls);
  CHECK(text ==
        "I will call a function for this.\n```tool_calls\n"
        "{\"tool_calls\":[{\"arguments\":{\"tz\":\"CET\"},\"name\":\"get_time\"}]}\n```");
  answer a;
  a.prompt_tokens = 5;
  answer_with_text(a, text);
  CHECK(a.text() == text);
  CHECK(a.text_tokens.front().size() == 7);
  CHECK(a.candidates_tokens == static_cast<int>(a.text_tokens.size()));
  CHECK(a.total_tokens == 5 + a.candidates_tokens);
}
