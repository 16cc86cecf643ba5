// The dashboard at `/`, driven by puppeteer-core in real headless Chromium
// (and once in firefox-esr) (tests/node/dashboard_test.mjs) against a real
// fleet on the simulator.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;

namespace {

void run_dashboard_script(fleet_fixture& f, const std::string& key,
                          std::map<std::string, std::string> env = {}) {
  env["CHROMIUM_BIN"] = "/usr/bin/chromium";
  run_node_tests(f, "dashboard_test.mjs", key, env);
}

}  // namespace

TEST_CASE("e2e: the dashboard shows the fleet live and its buttons act (puppeteer-core)") {
  // A killed browser restarts after the first backoff step (1 s).
  fleet_fixture f(with_accounts(2));
  run_dashboard_script(f, "");
}

TEST_CASE("e2e: the dashboard works in Firefox too (puppeteer-core over WebDriver BiDi)") {
  fleet_fixture f(with_accounts(2));
  run_dashboard_script(f, "", {{"PAGE_BROWSER", "firefox"}});
}

TEST_CASE("e2e: with API keys the dashboard loads nothing without one (puppeteer-core)") {
  fleet_config cfg = with_accounts(1);
  cfg.api_keys = {"sk-dashboard-test dashboard-user"};  // a key and its name
  fleet_fixture f(cfg);
  run_dashboard_script(f, "sk-dashboard-test", {{"KEY_NAME", "dashboard-user"}});
}

TEST_CASE("e2e: the dashboard shows warm spare browsers apart, and a used one's replacement (puppeteer-core)") {
  fleet_config cfg = with_accounts(1);
  cfg.server_args = {"--spare-browsers", "1"};
  fleet_fixture f(cfg);
  run_dashboard_script(f, "", {{"EXPECT_SPARES", "1"}});
}
