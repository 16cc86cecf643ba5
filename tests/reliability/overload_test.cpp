// Item 3 of issue 7: far more requests than instances and queue together.
#include <doctest/doctest.h>

#include <future>
#include <map>

#include "tests/e2e/fleet_fixture.hpp"
#include "tests/reliability/rel_support.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using namespace camoufleet::reliability;
using nlohmann::json;

TEST_CASE("reliability: 200 concurrent requests on 3 instances with a queue of 50: answered or refused, none hangs") {
  fleet_config cfg;
  cfg.server_args = {"--queue-limit", "50", "--queue-timeout", "60", "--request-timeout", "60",
                     "--http-threads", "4"};
  fleet_fixture f(cfg);
  const int server_pid = f.server().pid();
  const long rss_before = rss_kib(server_pid);

  constexpr int total = 200;
  const auto deadline = 150s;  // every request must be back before this
  auto t0 = clock_type::now();
  std::vector<std::future<testing::http_response>> calls;
  calls.reserve(total);
  for (int i = 0; i < total; ++i)
    calls.push_back(std::async(std::launch::async, [&f, i, deadline] {
      return f.post("/v1/chat/completions", chat_body("overload " + std::to_string(i)), {}, deadline);
    }));

  int ok = 0, refused_429 = 0, refused_503 = 0, other = 0;
  long slowest_ms = 0;
  std::map<std::string, int> by_instance;
  for (int i = 0; i < total; ++i) {
    auto r = calls[static_cast<std::size_t>(i)].get();
    slowest_ms = std::max(slowest_ms, ms_since(t0));
    if (r.status == 200) {
      ++ok;
      auto j = json::parse(r.body, nullptr, false);
      CHECK_MESSAGE(!j.is_discarded(), "request " << i);
      if (!j.is_discarded())
        CHECK_MESSAGE(j["choices"][0]["message"]["content"] == expected_answer("overload " + std::to_string(i)),
                      "request " << i);
      by_instance[r.header("X-Camoufleet-Instance")]++;
    } else if (r.status == 429 || r.status == 503) {
      (r.status == 429 ? refused_429 : refused_503)++;
      CHECK_MESSAGE(!r.header("Retry-After").empty(), "request " << i << " status " << r.status);
      CHECK_MESSAGE(is_openai_error(r.body), "request " << i << ": " << r.body);
    } else {
      ++other;
      MESSAGE("request " << i << " got " << r.status << " " << r.error << " " << r.body.substr(0, 200));
    }
  }
  const long all_back_ms = ms_since(t0);
  CHECK(other == 0);
  CHECK(ok + refused_429 + refused_503 == total);
  CHECK(ok >= 53);            // at least the queue plus one per instance got through
  CHECK(refused_429 > 0);     // 200 at once cannot all fit
  CHECK(all_back_ms < 150000);

  // Every admitted request reached the simulator exactly once.
  auto st = f.sim().state();
  CHECK(st["requests"].size() == static_cast<std::size_t>(ok));
  CHECK(f.health()["queue_length"] == 0);
  CHECK(f.wait_ready(3, 30s));
  const long rss_after = rss_kib(server_pid);
  figure("overload 200 requests / 3 instances / queue 50: " + std::to_string(ok) + " answered, " +
         std::to_string(refused_429) + " x 429, " + std::to_string(refused_503) + " x 503, " +
         std::to_string(other) + " other; all back in " + std::to_string(all_back_ms) + " ms; server RSS " +
         std::to_string(rss_before) + " KiB before, " + std::to_string(rss_after) + " KiB after");
  for (const auto& [inst, n] : by_instance) MESSAGE(inst << " answered " << n);
  // Still serving normally.
  CHECK(f.post("/v1/chat/completions", chat_body("after overload")).status == 200);
}
