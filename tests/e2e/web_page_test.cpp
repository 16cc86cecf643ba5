// Web pages calling the API from a real browser: puppeteer-core drives
// headless Chromium, or firefox-esr over WebDriver BiDi, to load the official
// openai SDK into pages of three origins (CORS), and a site that points its
// own name at the server (DNS rebinding) is refused
// (tests/node/cors_test.mjs), against a real fleet. The browser here is the
// caller's, not the fleet's: each case runs once per kind of caller.
#include <doctest/doctest.h>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;

namespace {

bool logged(fleet_fixture& f, const std::string& what) {
  for (const auto& line : f.log_lines())
    if (line.find(what) != std::string::npos) return true;
  return false;
}

void page_with_keys(const std::string& page_browser) {
  fleet_config cfg = with_accounts(1);
  cfg.api_keys = {"sk-web-page"};
  cfg.server_args = {"--cors-origins", "http://listed.example.test"};
  fleet_fixture f(cfg);
  run_node_tests(f, "cors_test.mjs", "sk-web-page",
                 {{"PAGE_BROWSER", page_browser},
                  {"CHROMIUM_BIN", "/usr/bin/chromium"},
                  {"EXPECTED_TEXT", expected_answer("Hello from a web page")},
                  {"LISTED_HOST", "listed.example.test"}},
                 180s);
  CHECK(logged(f, "refused a call from the web page at http://other.example.test"));
}

void rebinding_site(const std::string& page_browser) {
  fleet_fixture f(with_accounts(1));
  run_node_tests(f, "cors_test.mjs", "",
                 {{"PAGE_BROWSER", page_browser}, {"CHROMIUM_BIN", "/usr/bin/chromium"}}, 120s);
  CHECK(logged(f, "refused a request addressed to rebind.example.test"));
}

}  // namespace

TEST_CASE("e2e: a web page calls the API with the openai SDK in a browser (CORS, puppeteer-core)") {
  page_with_keys("chromium");
}

TEST_CASE("e2e: a web page in Firefox calls the API with the openai SDK (CORS, puppeteer-core)") {
  page_with_keys("firefox");
}

TEST_CASE(
    "e2e: without API keys a site that points its name at the server is refused (DNS rebinding, "
    "puppeteer-core)") {
  rebinding_site("chromium");
}

TEST_CASE(
    "e2e: without API keys a site that points its name at the server is refused in Firefox too "
    "(DNS rebinding, puppeteer-core)") {
  rebinding_site("firefox");
}
