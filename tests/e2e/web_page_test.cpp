// Web pages calling the API from a real browser: headless Chromium driven by
// puppeteer-core loads the official openai SDK into pages of three origins
// (CORS), and a site that points its own name at the server (DNS
// rebinding) is refused (tests/node/cors_test.mjs), against a real fleet.
#include <doctest/doctest.h>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;

TEST_CASE("e2e: a web page calls the API with the openai SDK in a browser (CORS, puppeteer-core)") {
  fleet_config cfg = with_accounts(1);
  cfg.api_keys = {"sk-web-page"};
  cfg.server_args = {"--cors-origins", "http://listed.example.test"};
  fleet_fixture f(cfg);
  run_node_tests(f, "cors_test.mjs", "sk-web-page",
                 {{"CHROMIUM_BIN", "/usr/bin/chromium"},
                  {"EXPECTED_TEXT", expected_answer("Hello from a web page")},
                  {"LISTED_HOST", "listed.example.test"}},
                 180s);
  bool logged = false;
  for (const auto& line : f.log_lines())
    logged |= line.find("refused a call from the web page at http://other.example.test") !=
              std::string::npos;
  CHECK(logged);
}

TEST_CASE(
    "e2e: without API keys a site that points its name at the server is refused (DNS rebinding, "
    "puppeteer-core)") {
  fleet_fixture f(with_accounts(1));
  run_node_tests(f, "cors_test.mjs", "", {{"CHROMIUM_BIN", "/usr/bin/chromium"}}, 120s);
  bool logged = false;
  for (const auto& line : f.log_lines())
    logged |= line.find("refused a request addressed to rebind.example.test") != std::string::npos;
  CHECK(logged);
}
