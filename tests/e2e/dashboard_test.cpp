// The dashboard at `/`, driven by puppeteer-core in real headless Chromium
// (tests/node/dashboard_test.mjs) against a real fleet on the simulator.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;

namespace {

void run_dashboard_script(fleet_fixture& f, const std::string& key) {
  const std::string node_dir = source_dir() + "/tests/node";
  testing::child_process node(
      {"/usr/bin/env", "node", "--test", "--test-reporter=spec", node_dir + "/dashboard_test.mjs"},
      {{"CAMOUFLEET_BASE_URL", "http://127.0.0.1:" + std::to_string(f.port())},
       {"CAMOUFLEET_API_KEY", key},
       {"SIM_ADMIN", f.sim().base_url()},
       {"CHROMIUM_BIN", "/usr/bin/chromium"}});
  auto status = node.wait_exit(240s);
  for (const auto& l : node.stdout_lines()) MESSAGE(l);
  for (const auto& l : node.stderr_lines()) MESSAGE(l);
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
}

}  // namespace

TEST_CASE("e2e: the dashboard shows the fleet live and its buttons act (puppeteer-core)") {
  // A killed browser restarts after the first backoff step (1 s).
  fleet_fixture f(with_accounts(2));
  run_dashboard_script(f, "");
}

TEST_CASE("e2e: with API keys the dashboard loads nothing without one (puppeteer-core)") {
  fleet_config cfg = with_accounts(1);
  cfg.api_keys = {"sk-dashboard-test"};
  fleet_fixture f(cfg);
  run_dashboard_script(f, "sk-dashboard-test");
}
