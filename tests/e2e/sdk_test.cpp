// The official openai npm SDK, run against a real fleet (tests/node/sdk_test.mjs),
// and the legacy text completions through it and LangChain's OpenAI LLM
// (tests/node/completions_test.mjs).
#include <doctest/doctest.h>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;

TEST_CASE("e2e: the official openai SDK works and raises its typed errors") {
  fleet_config cfg = with_accounts(1);
  cfg.api_keys = {"sk-sdk-test"};
  cfg.server_args = {"--queue-limit", "0"};
  fleet_fixture f(cfg);
  std::string models;  // what /v1/models must list, sorted
  for (const auto& m : f.offered_models()) models += (models.empty() ? "" : ",") + m;
  run_node_tests(f, "sdk_test.mjs", "sk-sdk-test",
                 {{"EXPECTED_TEXT", expected_answer("Hello from the openai SDK")},
                  {"EXPECTED_MODELS", models}},
                 180s);
}

TEST_CASE("e2e: legacy text completions through the openai SDK and LangChain's OpenAI LLM") {
  fleet_config cfg = with_accounts(2);
  cfg.api_keys = {"sk-completions-test text-client"};  // a key and the name it is counted under
  fleet_fixture f(cfg);
  nlohmann::ordered_json expected = nlohmann::ordered_json::object();  // in this order
  for (const char* prompt : {"Once upon a time, said the openai SDK", "A LangChain batch, first",
                             "A LangChain batch, second"})
    expected[prompt] = expected_answer(prompt);
  run_node_tests(f, "completions_test.mjs", "sk-completions-test",
                 {{"EXPECTED", expected.dump()}, {"KEY_NAME", "text-client"}}, 180s);
}
