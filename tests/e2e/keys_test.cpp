// Named API keys through the real binary on real browsers: each key's use
// counted apart under its name, and --max-open-per-key turning a key's next
// request away while another key (with a limit of its own in the key file)
// is served.
#include <doctest/doctest.h>

#include <future>
#include <string>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;

namespace {

header_list bearer(const std::string& key) {
  return {{"Authorization", "Bearer " + key}};
}

}  // namespace

TEST_CASE("e2e: named API keys are counted apart, and --max-open-per-key holds one key back") {
  fleet_config cfg = with_accounts(2);
  // Every answer takes 3 s before its first token: alice's first is still
  // open when her second comes, however slow the machine.
  cfg.sim_args = {"--first-token-ms", "3000", "--token-ms", "5"};
  cfg.api_keys = {"sk-alice-0123456789 alice", "sk-bob-0123456789 bob max_open=3"};
  cfg.server_args = {"--max-open-per-key", "1"};
  fleet_fixture f(cfg);

  auto first = std::async(std::launch::async, [&f] {
    return f.post("/v1/chat/completions", chat_body("alice's first"),
                  bearer("sk-alice-0123456789"));
  });
  REQUIRE(testing::wait_until(
      [&] {
        return f.get("/v1/instances", bearer("sk-bob-0123456789")).json()["busy_instances"] == 1;
      },
      30s));
  const auto held =
      f.post("/v1/chat/completions", chat_body("alice's second"), bearer("sk-alice-0123456789"));
  CHECK(held.status == 429);
  CHECK(held.header("Retry-After") == "1");
  CHECK(held.body.find("'alice' has 1 requests open") != std::string::npos);
  // bob has a slot of his own, and the second account serves him.
  CHECK(f.post("/v1/completions", {{"prompt", "bob's turn"}}, bearer("sk-bob-0123456789")).status ==
        200);
  CHECK(first.get().status == 200);
  CHECK(f.post("/v1/chat/completions", chat_body("alice again"), bearer("sk-alice-0123456789"))
            .status == 200);

  const auto metrics = f.get("/metrics", bearer("sk-bob-0123456789")).body;
  CHECK(metrics.find("camoufleet_key_requests_total{key=\"alice\",outcome=\"success\"} 2\n") !=
        std::string::npos);
  CHECK(metrics.find("camoufleet_key_requests_total{key=\"bob\",outcome=\"success\"} 1\n") !=
        std::string::npos);
  CHECK(metrics.find(
            R"(camoufleet_http_requests_total{route="/v1/chat/completions",status="429"} 1)") !=
        std::string::npos);
  CHECK(metrics.find("camoufleet_key_open_requests{key=\"alice\"} 0\n") != std::string::npos);
  CHECK(metrics.find("camoufleet_key_requests_total{key=\"alice\",outcome=\"refused\"} 1\n") !=
        std::string::npos);
  // alice is held to the server's limit, bob to his own line's.
  CHECK(metrics.find("camoufleet_key_open_limit{key=\"alice\"} 1\n") != std::string::npos);
  CHECK(metrics.find("camoufleet_key_open_limit{key=\"bob\"} 3\n") != std::string::npos);
  CHECK(metrics.find("sk-alice") == std::string::npos);
  // Each answer's log line names the key it was for, never the key.
  bool named = false;
  for (const auto& line : f.log_lines()) {
    CHECK(line.find("sk-alice-0123456789") == std::string::npos);
    named = named || line.find("for alice") != std::string::npos;
  }
  CHECK(named);
}
