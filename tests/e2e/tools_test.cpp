// Function calling and images end to end: the official openai SDK
// (tests/node/tools_test.mjs), LangChain.js bindTools
// (tests/node/langchain_test.mjs), and over the Responses API the SDK's own
// helpers (tests/node/responses_test.mjs), the Vercel AI SDK
// (tests/node/ai_sdk_test.mjs) and the OpenAI Agents SDK
// (tests/node/agents_test.mjs), against one real fleet on the simulator.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <chrono>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;

TEST_CASE("e2e: the openai SDK and LangChain run tool loops, images reach the page") {
  fleet_config cfg = with_accounts(1);
  cfg.api_keys = {"sk-tools-test"};
  // Grounding (on by default for gemini-2.5-pro) and URL context start on:
  // the driver must turn both off before function calling can go on.
  cfg.sim_args.insert(cfg.sim_args.end(), {"--url-context-on", "gemini-2.5-pro"});
  cfg.server_args = {"--model-alias", "gpt-4o=gemini-2.5-pro"};
  fleet_fixture f(cfg);
  run_node_tests(f, "tools_test.mjs", "sk-tools-test");
  run_node_tests(f, "langchain_test.mjs", "sk-tools-test");
  // The Responses API (POST /v1/responses) on the same fleet.
  const std::string responses_answer = expected_answer("Hello from the Responses API");
  run_node_tests(f, "responses_test.mjs", "sk-tools-test", {{"EXPECTED_TEXT", responses_answer}});
  run_node_tests(f, "ai_sdk_test.mjs", "sk-tools-test", {{"EXPECTED_TEXT", responses_answer}});
  run_node_tests(f, "agents_test.mjs", "sk-tools-test");
}

// One fleet for two settings of issue 17: the simulator's gemini-2.0-flash
// has no function-calling tool box (so --tool-mode auto emulates there and
// stays native on gemini-2.5-pro), and http(s):// image URLs are fetched,
// https trusting a CA made for this test (tests/node/make_test_certs.sh).
// Also run on the 2026 page and on firefox-esr (tests/e2e/CMakeLists.txt).
TEST_CASE("e2e: emulated function calling and fetched image URLs (openai SDK)") {
  testing::temp_dir certs("camoufleet-certs-");
  testing::child_process make({"/bin/sh", source_dir() + "/tests/node/make_test_certs.sh",
                               certs.path()});
  const auto made = make.wait_exit(std::chrono::seconds(30));
  REQUIRE(made.has_value());
  REQUIRE(WIFEXITED(*made));
  REQUIRE(WEXITSTATUS(*made) == 0);

  fleet_config cfg = with_accounts(1);
  cfg.api_keys = {"sk-tools-test"};
  // The model list arrives late, as on a slow day of the real site: the
  // page shows the default run settings (a tool box) until it knows the
  // model, and the driver must not read "has function calling" from them.
  cfg.sim_args.insert(cfg.sim_args.end(), {"--no-function-calling", "gemini-2.0-flash",
                                           "--list-models-ms", "400"});
  cfg.server_args = {"--image-urls", "fetch", "--image-fetch-max-bytes", "1k",
                     "--image-fetch-timeout", "2", "--image-fetch-ca-file", certs.file("ca.pem")};
  fleet_fixture f(cfg);
  run_node_tests(f, "tools_emulated_test.mjs", "sk-tools-test");
  run_node_tests(f, "image_urls_test.mjs", "sk-tools-test", {{"TLS_DIR", certs.path()}});
}
