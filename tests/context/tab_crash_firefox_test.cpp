// Context isolation on firefox-esr: the content process of one profile's
// tab killed (its user context's tab crashes, the shared Firefox lives on).
// Only that profile's instance restarts, as "browser gone: tab crashed",
// in a new user context of the same browser; the request it was serving is
// answered anyway, and the other profiles keep serving with no restart. (The Chromium twin: "context: a
// crashed tab is replaced in the same browser..." in context_test.cpp.)
#include <doctest/doctest.h>

#include <signal.h>

#include <future>

#include "tests/bidi/content_process.hpp"
#include "tests/e2e/fleet_fixture.hpp"
#include "tests/reliability/rel_support.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using namespace camoufleet::reliability;
using camoufleet::bidi::testing::busiest_content_process;
using camoufleet::bidi::testing::content_process_ticks;
using nlohmann::json;

namespace {

json instances_of(const fleet_fixture& f) { return f.instances().value("instances", json::array()); }

}  // namespace

TEST_CASE("context: a killed content process of one profile's tab restarts only that profile, the others keep serving") {
  if (!testing::firefox_kind()) {
    MESSAGE("a firefox-esr case (ctest runs it as firefox/context: ...)");
    return;
  }
  fleet_config cfg = with_accounts(3);
  cfg.server_args = {"--isolation", "context", "--accounts-per-browser", "8", "--monitor-interval", "1",
                     "--request-timeout", "60", "--queue-timeout", "60"};
  fleet_fixture f(cfg);
  const int pid = instances_of(f)[0].value("browser_pid", 0);
  REQUIRE(pid > 0);

  // A slow answer: one tab streams it (and spends CPU on it) while the
  // others idle, which tells its content process from theirs.
  f.sim().set_pacing({{"first_token_ms", 200}, {"token_ms", 150}});
  auto call = std::async(std::launch::async, [&f] {
    return f.post("/v1/chat/completions", chat_body("tab crash under load"), {}, 120s);
  });
  const json busy = wait_busy_instance(f, 30s);
  REQUIRE(!busy.is_null());
  const std::string victim_id = busy.value("id", "");
  const auto before = content_process_ticks(pid);
  int victim = 0;
  REQUIRE(testing::wait_until([&] { return (victim = busiest_content_process(pid, before, 15)) != 0; }, 20s, 50ms));
  const auto t0 = clock_type::now();
  REQUIRE(::kill(victim, SIGKILL) == 0);

  // Its instance alone restarts, in the same browser.
  bool back = testing::wait_until(
      [&] {
        for (const auto& i : instances_of(f))
          if (i.value("status", "") != "ready" || (i.value("id", "") == victim_id && i.value("restarts", 0) == 0))
            return false;
        return true;
      },
      60s, 20ms);
  const long back_ms = ms_since(t0);
  CHECK(back);
  // It heard the cause from its tab (bidi::tab_watch), not from a failed
  // ping a monitor interval later ("page did not answer a ping").
  std::string told;
  for (const auto& l : f.log_lines())
    if (l.find(victim_id) != std::string::npos && l.find("warn") != std::string::npos) told += l + "\n";
  INFO("what " << victim_id << " logged:\n" << told);
  CHECK(told.find("Browser gone: tab crashed") != std::string::npos);
  for (const auto& i : instances_of(f)) {
    INFO("instance " << i.dump());
    CHECK(i.value("browser_pid", 0) == pid);
    CHECK(i.value("restarts", 0) == (i.value("id", "") == victim_id ? 1 : 0));
  }
  CHECK(process_alive(pid));

  // The request on the crashed tab is answered all the same (retried).
  auto r = call.get();
  INFO("the request in flight: " << r.status << " " << r.body);
  CHECK(r.status == 200);
  f.sim().set_pacing({{"first_token_ms", 0}, {"token_ms", 0}});
  std::vector<std::future<testing::http_response>> after;
  for (int k = 0; k < 3; ++k)
    after.push_back(std::async(std::launch::async, [&f, k] {
      return f.post("/v1/chat/completions", chat_body("after the tab crash " + std::to_string(k)), {}, 90s);
    }));
  for (auto& a : after) CHECK(a.get().status == 200);
  figure("firefox context: " + victim_id + "'s tab crashed (content process " + std::to_string(victim) +
         " killed), ready again after " + std::to_string(back_ms) + " ms, browser pid " + std::to_string(pid) +
         " kept, the other profiles not restarted");
}

// A hung page on firefox-esr (the Chromium twin, "context: a hung page
// restarts only its own context", hangs it over CDP; Firefox takes one BiDi
// client, camoufleet): one profile's content process stopped (SIGSTOP)
// while its instance idles. The health probe finds that page unanswering;
// that instance alone restarts, in a new user context of the same browser.
TEST_CASE("context: a hung content process of one profile's tab restarts only that profile, in the same browser") {
  if (!testing::firefox_kind()) {
    MESSAGE("a firefox-esr case (ctest runs it as firefox/context: ...)");
    return;
  }
  fleet_config cfg = with_accounts(3);
  cfg.server_args = {"--isolation", "context", "--accounts-per-browser", "8", "--monitor-interval", "1",
                     "--request-timeout", "60", "--queue-timeout", "60"};
  fleet_fixture f(cfg);
  const int pid = instances_of(f)[0].value("browser_pid", 0);
  REQUIRE(pid > 0);

  // Which content process is whose: the tab that streams an answer spends
  // the CPU. Found while it answers, stopped once it idles again.
  f.sim().set_pacing({{"first_token_ms", 200}, {"token_ms", 150}});
  auto call = std::async(std::launch::async, [&f] {
    return f.post("/v1/chat/completions", chat_body("find my tab"), {}, 120s);
  });
  const json busy = wait_busy_instance(f, 30s);
  REQUIRE(!busy.is_null());
  const std::string victim_id = busy.value("id", "");
  const auto before = content_process_ticks(pid);
  int victim = 0;
  REQUIRE(testing::wait_until([&] { return (victim = busiest_content_process(pid, before, 15)) != 0; }, 20s, 50ms));
  REQUIRE(call.get().status == 200);
  f.sim().set_pacing({{"first_token_ms", 0}, {"token_ms", 0}});
  // A stopped process never answers; killed at the end, pass or fail.
  struct resume_guard {
    int pid;
    ~resume_guard() { ::kill(pid, SIGKILL); }
  } guard{victim};
  const auto t0 = clock_type::now();
  REQUIRE(::kill(victim, SIGSTOP) == 0);

  bool back = testing::wait_until(
      [&] {
        for (const auto& i : instances_of(f))
          if (i.value("status", "") != "ready" || (i.value("id", "") == victim_id && i.value("restarts", 0) == 0))
            return false;
        return true;
      },
      90s, 20ms);
  const long back_ms = ms_since(t0);
  CHECK(back);
  for (const auto& i : instances_of(f)) {
    INFO("instance " << i.dump());
    CHECK(i.value("browser_pid", 0) == pid);
    CHECK(i.value("restarts", 0) == (i.value("id", "") == victim_id ? 1 : 0));
  }
  CHECK(process_alive(pid));
  std::vector<std::future<testing::http_response>> after;
  for (int k = 0; k < 3; ++k)
    after.push_back(std::async(std::launch::async, [&f, k] {
      return f.post("/v1/chat/completions", chat_body("after the hang " + std::to_string(k)), {}, 90s);
    }));
  for (auto& a : after) CHECK(a.get().status == 200);
  figure("firefox context: " + victim_id + "'s page hung (content process " + std::to_string(victim) +
         " stopped), ready again after " + std::to_string(back_ms) + " ms, browser pid " + std::to_string(pid) +
         " kept, the other profiles not restarted");
}
