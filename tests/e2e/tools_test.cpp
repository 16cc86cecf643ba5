// Function calling and images end to end: the official openai SDK
// (tests/node/tools_test.mjs) and LangChain.js bindTools
// (tests/node/langchain_test.mjs) against one real fleet on the simulator.
#include <doctest/doctest.h>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;

TEST_CASE("e2e: the openai SDK and LangChain run tool loops, images reach the page") {
  fleet_config cfg = with_accounts(1);
  cfg.api_keys = {"sk-tools-test"};
  fleet_fixture f(cfg);
  run_node_tests(f, "tools_test.mjs", "sk-tools-test");
  run_node_tests(f, "langchain_test.mjs", "sk-tools-test");
}
