#include <doctest/doctest.h>

#include "sim/answer.hpp"

using namespace camoufleet::sim;

TEST_CASE("sim answer: header token names model, settings and prompt hash, then echoes words") {
  answer_input in;
  in.prompt = "alpha beta";
  in.model = "models/gemini-2.5-flash";
  in.temperature = 0.7;
  in.top_p = 0.9;
  in.length = 5;
  auto a = compute_answer(in);
  REQUIRE(a.text_tokens.size() == 5);
  char hash[16];
  std::snprintf(hash, sizeof hash, "%08x", fnv1a32("alpha beta"));
  CHECK(a.text_tokens[0] == std::string("[gemini-2.5-flash t=0.70 p=0.90 h=") + hash + "]");
  CHECK(a.text() == a.text_tokens[0] + " alpha beta alpha beta");
  CHECK(a.finish == finish_stop);
  CHECK(std::string(a.finish_reason()) == "stop");
  CHECK(a.reasoning_tokens.empty());
  CHECK(a.prompt_tokens == 2);
  CHECK(a.candidates_tokens == 5);
  CHECK(a.total_tokens == 7);
}

TEST_CASE("sim answer: different prompts with the same first words differ in the hash") {
  answer_input a, b;
  a.prompt = "User: hi\nAssistant: x";
  b.prompt = "User: hi\nAssistant: y";
  CHECK(compute_answer(a).text_tokens[0] != compute_answer(b).text_tokens[0]);
}

TEST_CASE("sim answer: max output tokens cuts with finish length") {
  answer_input in;
  in.prompt = "one two three";
  in.length = 10;
  in.max_output_tokens = 3;
  auto a = compute_answer(in);
  CHECK(a.text_tokens.size() == 3);
  CHECK(a.finish == finish_length);
  CHECK(std::string(a.finish_reason()) == "length");
  in.max_output_tokens = 10;  // equal to length: not a cut
  CHECK(compute_answer(in).finish == finish_stop);
  in.max_output_tokens = 0;  // unset
  CHECK(compute_answer(in).text_tokens.size() == 10);
}

TEST_CASE("sim answer: stop sequence cuts before its first occurrence") {
  answer_input in;
  in.prompt = "red green blue";
  in.length = 10;
  in.stop = {"blue", "green"};
  auto a = compute_answer(in);
  // Text: "[hdr] red green blue red ..." -> earliest stop is "green".
  CHECK(a.text() == a.text_tokens[0] + " red ");
  CHECK(a.text_tokens.back() == " ");
  CHECK(a.finish == finish_stop);
  CHECK(a.candidates_tokens == static_cast<int>(a.text_tokens.size()));
}

TEST_CASE("sim answer: stop sequence spanning two tokens removes the earlier token's tail") {
  answer_input in;
  in.prompt = "ab cd";
  in.length = 6;
  in.stop = {"b c"};
  auto a = compute_answer(in);
  CHECK(a.text() == a.text_tokens[0] + " a");
  CHECK(a.text_tokens.size() == 2);
  CHECK(a.finish == finish_stop);
}

TEST_CASE("sim answer: stop beats a later length cut, a stop after the cut is not reached") {
  answer_input in;
  in.prompt = "w1 w2 w3 w4 w5";
  in.length = 10;
  in.max_output_tokens = 3;
  in.stop = {"w2"};
  auto a = compute_answer(in);
  CHECK(a.finish == finish_stop);
  CHECK(a.text() == a.text_tokens[0] + " w1 ");
  in.stop = {"w5"};
  a = compute_answer(in);
  CHECK(a.finish == finish_length);
  CHECK(a.text_tokens.size() == 3);
}

TEST_CASE("sim answer: a stop sequence inside the header token gives a shorter first token") {
  answer_input in;
  in.prompt = "x";
  in.stop = {"t="};
  auto a = compute_answer(in);
  REQUIRE(a.text_tokens.size() == 1);
  CHECK(a.text() == "[gemini-2.5-pro ");
}

TEST_CASE("sim answer: reasoning only with thinking, bounded by a small budget") {
  answer_input in;
  in.prompt = "why sky blue";
  in.thinking = false;
  CHECK(compute_answer(in).reasoning_tokens.empty());
  in.thinking = true;
  auto a = compute_answer(in);
  REQUIRE(a.reasoning_tokens.size() == 8);
  CHECK(a.reasoning() == "Thinking about why sky blue why sky blue");
  CHECK(a.candidates_tokens == 24);
  CHECK(a.thoughts_tokens == 8);
  CHECK(a.total_tokens == a.prompt_tokens + 24 + 8);
  in.thinking_budget = 3;
  CHECK(compute_answer(in).reasoning() == "Thinking about why");
  in.thinking_budget = 1000;  // larger than the natural length: no effect
  CHECK(compute_answer(in).reasoning_tokens.size() == 8);
  in.model = "models/gemini-2.0-flash";  // a model without thinking
  CHECK(compute_answer(in).reasoning_tokens.empty());
}

TEST_CASE("sim answer: empty prompt still answers") {
  answer_input in;
  in.prompt = "  \n ";
  in.length = 3;
  auto a = compute_answer(in);
  CHECK(a.prompt_tokens == 1);
  CHECK(a.text() == a.text_tokens[0] + " (empty) (empty)");
}

TEST_CASE("sim answer: helpers") {
  CHECK(strip_model_prefix("models/gemini-2.0-flash") == "gemini-2.0-flash");
  CHECK(strip_model_prefix("gemini-2.0-flash") == "gemini-2.0-flash");
  CHECK(split_words(" a\tb\n\nc ") == std::vector<std::string>{"a", "b", "c"});
  CHECK(fnv1a32("") == 2166136261u);
  CHECK(fnv1a32("a") == 0xe40c292cu);
}
