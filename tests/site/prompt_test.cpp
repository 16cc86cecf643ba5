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
  CHECK(flatten_prompt({{"developer", "D"}, {"tool", "T"}, {"assistant", "A"}}) ==
        "System Instructions:\nD\n\nUser:\nT\n\nAssistant:\nA");
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
