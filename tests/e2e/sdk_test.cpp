// The official openai npm SDK, run against a real fleet (tests/node/sdk_test.mjs).
#include <doctest/doctest.h>

#include <sys/wait.h>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;

TEST_CASE("e2e: the official openai SDK works and raises its typed errors") {
  const std::string node_dir = source_dir() + "/tests/node";
  fleet_config cfg = with_accounts(1);
  cfg.api_keys = {"sk-sdk-test"};
  cfg.server_args = {"--queue-limit", "0"};
  fleet_fixture f(cfg);
  std::string models;  // what /v1/models must list, sorted
  for (const auto& m : f.offered_models()) models += (models.empty() ? "" : ",") + m;

  testing::child_process node(
      {"/usr/bin/env", "node", "--test", "--test-reporter=spec", node_dir + "/sdk_test.mjs"},
      {{"CAMOUFLEET_BASE_URL", "http://127.0.0.1:" + std::to_string(f.port())},
       {"CAMOUFLEET_API_KEY", "sk-sdk-test"},
       {"EXPECTED_TEXT", expected_answer("Hello from the openai SDK")},
       {"SIM_ADMIN", f.sim().base_url()},
       {"EXPECTED_MODELS", models},
       {"NODE_PATH", node_dir + "/node_modules"}});
  auto status = node.wait_exit(180s);
  for (const auto& l : node.stdout_lines()) MESSAGE(l);
  for (const auto& l : node.stderr_lines()) MESSAGE(l);
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
}
