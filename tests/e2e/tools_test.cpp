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

// One fleet for two settings of issue 17: the simulator's gemini-2.0-flash
// has no function-calling tool box (so --tool-mode auto emulates there and
// stays native on gemini-2.5-pro), and http:// image URLs are fetched.
TEST_CASE("e2e: emulated function calling and fetched image URLs (openai SDK)") {
  fleet_config cfg = with_accounts(1);
  cfg.api_keys = {"sk-tools-test"};
  cfg.sim_args.insert(cfg.sim_args.end(), {"--no-function-calling", "gemini-2.0-flash"});
  cfg.server_args = {"--image-urls", "fetch", "--image-fetch-max-bytes", "1k",
                     "--image-fetch-timeout", "2"};
  fleet_fixture f(cfg);
  run_node_tests(f, "tools_emulated_test.mjs", "sk-tools-test");
  run_node_tests(f, "image_urls_test.mjs", "sk-tools-test");
}
