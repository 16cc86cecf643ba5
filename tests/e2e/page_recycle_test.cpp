// A long-lived chat page is loaded afresh after --page-recycle-after answers
// (the memory it keeps given back, bench P7): on real Chromium (and the
// other browsers, by the suites that run this case again) against the
// simulator, which counts the chat page documents it sends.
#include <doctest/doctest.h>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using nlohmann::json;

namespace {

int page_loads(fleet_fixture& f) { return f.sim().state()["accounts"]["alice"]["page_loads"].get<int>(); }

}  // namespace

TEST_CASE("e2e: a page that served --page-recycle-after answers is loaded afresh and serves on") {
  fleet_config cfg = with_accounts(1);
  cfg.server_args = {"--page-recycle-after", "2"};
  fleet_fixture f(cfg);
  const int loads_at_start = page_loads(f);
  CHECK(loads_at_start >= 1);
  for (int i = 1; i <= 5; ++i) {
    const std::string prompt = "answer number " + std::to_string(i) + " of this page";
    auto r = f.post("/v1/chat/completions", chat_body(prompt));
    REQUIRE(r.status == 200);
    CHECK(r.json()["choices"][0]["message"]["content"] == expected_answer(prompt));
  }
  // After answers 2 and 4 the page was loaded afresh, each time a new
  // document from the site; the instance is back in the rotation.
  json one;
  REQUIRE_MESSAGE(testing::wait_until(
                      [&] {
                        one = f.instances()["instances"][0];
                        return one["recycles"] == 2 && one["status"] == "ready";
                      },
                      30s),
                  one.dump());
  CHECK(one["page_served"] == 1);
  CHECK(one["served"] == 5);
  CHECK(one["restarts"] == 0);
  CHECK(one["error_count"] == 0);
  // Newer pages disable New chat on the new-chat page, so clearing the
  // chat after each answer is a page load there too (site/chat_page.cpp).
  const bool newer = f.sim().state()["page"]["ui_variant"] != "2025";
  const int wanted = 2 + (newer ? 5 : 0);
  testing::wait_until([&] { return page_loads(f) - loads_at_start >= wanted; }, 30s);
  CHECK(page_loads(f) - loads_at_start == wanted);
  auto metrics = f.get("/metrics");
  CHECK(metrics.body.find("camoufleet_instance_page_recycles_total{instance=\"instance_1\"") !=
        std::string::npos);
}
