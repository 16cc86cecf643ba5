// Item 5 of issue 7: the client goes away in the middle of a stream.
#include <doctest/doctest.h>

#include "tests/e2e/fleet_fixture.hpp"
#include "tests/e2e/sse_reader.hpp"
#include "tests/reliability/rel_support.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using namespace camoufleet::reliability;
using nlohmann::json;

TEST_CASE("reliability: a client disconnecting mid-stream stops the page within 1 s") {
  fleet_fixture f(with_accounts(1));
  // 24 tokens * 200 ms: the answer would run ~5 s more after the cut.
  f.sim().set_pacing({{"first_token_ms", 100}, {"token_ms", 200}});
  std::int64_t disconnect_ms = 0;
  int pieces = 0;
  auto r = testing::http_request_stream(
      "POST", f.port(), "/v1/chat/completions", chat_body("disconnect me", "gemini-2.5-pro", true).dump(),
      {{"Content-Type", "application/json"}},
      [&](const std::string& piece) {
        if (piece.find("\"content\"") != std::string::npos && ++pieces >= 2) {
          disconnect_ms = unix_ms_now();
          return false;  // closes the connection at once
        }
        return true;
      },
      60s);
  REQUIRE(disconnect_ms > 0);

  json req;
  bool aborted = testing::wait_until(
      [&] {
        auto st = f.sim().state();
        if (st["requests"].empty()) return false;
        req = st["requests"].back();
        return req["status"] != "streaming";
      },
      10s, 10ms);
  CHECK(aborted);
  CHECK(req["status"] == "aborted");
  const std::int64_t stop_latency = req["ended_ms"].get<std::int64_t>() - disconnect_ms;
  CHECK(stop_latency < 1000);
  CHECK(req["tokens_sent"].get<int>() < 24);

  // Ready and idle again: the server noticed the stop and freed the instance.
  std::int64_t ready_ms = -1;
  CHECK(testing::wait_until(
      [&] {
        auto h = f.get("/health");
        auto j = json::parse(h.body, nullptr, false);
        if (j.is_discarded() || j.value("ready_instances", 0) != 1 || j.value("busy_instances", 1) != 0)
          return false;
        ready_ms = unix_ms_now() - disconnect_ms;
        return true;
      },
      15s));
  figure("client disconnect: page stopped " + std::to_string(stop_latency) +
         " ms after the client closed; instance ready (seen) " + std::to_string(ready_ms) +
         " ms after the close; tokens generated " + req["tokens_sent"].dump() + "/24");
  f.sim().set_pacing({{"first_token_ms", 20}, {"token_ms", 5}});
  auto again = f.post("/v1/chat/completions", chat_body("after disconnect"));
  CHECK(again.status == 200);
  if (again.status == 200)
    CHECK(again.json()["choices"][0]["message"]["content"] == expected_answer("after disconnect"));
}
