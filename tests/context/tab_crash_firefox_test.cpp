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
using camoufleet::bidi::testing::proc_read;
using nlohmann::json;

namespace {

json instances_of(const fleet_fixture& f) { return f.instances().value("instances", json::array()); }

// Three profiles in user contexts of one firefox-esr, probed every second.
fleet_config shared_firefox_config() {
  fleet_config cfg = with_accounts(3);
  cfg.server_args = {"--isolation", "context", "--accounts-per-browser", "8", "--monitor-interval", "1",
                     "--request-timeout", "60", "--queue-timeout", "60"};
  return cfg;
}

// A long answer in flight: the tab that streams it spends the CPU while the
// others idle, which tells its content process from theirs. Its CPU grows
// with the time it streams (~10 ticks a second here, whatever the chunk
// rate), so the answer lasts seconds: a 3.6 s one once left a CI machine's
// tab under the 15 ticks looked for.
struct streaming_tab {
  std::future<testing::http_response> call;
  std::string instance_id;
  int content_pid = 0;
};

streaming_tab start_streaming(fleet_fixture& f, int browser_pid, const std::string& prompt, int chunks,
                              int chunk_ms) {
  f.sim().set_pacing({{"first_token_ms", 200}, {"token_ms", chunk_ms}, {"tokens", chunks}});
  streaming_tab t;
  t.call = std::async(std::launch::async, [&f, prompt] {
    return f.post("/v1/chat/completions", chat_body(prompt), {}, 120s);
  });
  const json busy = wait_busy_instance(f, 30s);
  REQUIRE(!busy.is_null());
  t.instance_id = busy.value("id", "");
  const auto before = content_process_ticks(browser_pid);
  const bool found = testing::wait_until(
      [&] { return (t.content_pid = busiest_content_process(browser_pid, before, 15)) != 0; }, 20s, 50ms);
  if (!found) {
    std::string grown;
    for (const auto& [pid, ticks] : content_process_ticks(browser_pid)) {
      auto was = before.find(pid);
      grown += " " + std::to_string(pid) + ":+" + std::to_string(ticks - (was == before.end() ? 0 : was->second));
    }
    INFO("content processes (pid:+ticks since the answer began):" << grown);
    REQUIRE(found);
  }
  std::string picked;
  for (const auto& [pid, ticks] : content_process_ticks(browser_pid)) {
    auto was = before.find(pid);
    picked += " " + std::to_string(pid) + "(" + proc_read(pid, "comm") + "):+" +
              std::to_string(ticks - (was == before.end() ? 0 : was->second));
  }
  MESSAGE("the tab's content process: " << t.content_pid << " of" << picked);
  return t;
}

// After start_streaming: answers at once again, of the simulator's usual length.
void instant_answers(fleet_fixture& f) {
  f.sim().set_pacing({{"first_token_ms", 0}, {"token_ms", 0}, {"tokens", 24}});
}

// Every instance ready again and the victim's restarted, before the deadline.
bool wait_victim_back(const fleet_fixture& f, const std::string& victim_id, std::chrono::milliseconds deadline) {
  return testing::wait_until(
      [&] {
        for (const auto& i : instances_of(f))
          if (i.value("status", "") != "ready" || (i.value("id", "") == victim_id && i.value("restarts", 0) == 0))
            return false;
        return true;
      },
      deadline, 20ms);
}

// The victim alone restarted, every instance still in the browser it had.
void check_only_victim_restarted(const fleet_fixture& f, const std::string& victim_id, int browser_pid) {
  for (const auto& i : instances_of(f)) {
    INFO("instance " << i.dump());
    CHECK(i.value("browser_pid", 0) == browser_pid);
    CHECK(i.value("restarts", 0) == (i.value("id", "") == victim_id ? 1 : 0));
  }
  CHECK(process_alive(browser_pid));
}

}  // namespace

TEST_CASE("context: a killed content process of one profile's tab restarts only that profile, the others keep serving") {
  if (!testing::firefox_kind()) {
    MESSAGE("a firefox-esr case (ctest runs it as firefox/context: ...)");
    return;
  }
  fleet_fixture f(shared_firefox_config());
  const int pid = instances_of(f)[0].value("browser_pid", 0);
  REQUIRE(pid > 0);
  streaming_tab tab = start_streaming(f, pid, "tab crash under load", 400, 25);
  const std::string& victim_id = tab.instance_id;
  const auto t0 = clock_type::now();
  REQUIRE(::kill(tab.content_pid, SIGKILL) == 0);

  // Its instance alone restarts, in the same browser.
  const bool back = wait_victim_back(f, victim_id, 60s);
  const long back_ms = ms_since(t0);
  CHECK(back);
  // It heard the cause from its tab (bidi::tab_watch), not from a failed
  // ping a monitor interval later ("page did not answer a ping"). Which of
  // the watch's two words comes first is a race: the tab's own report
  // ("Browser gone: tab crashed") or the request in flight, failed by the
  // watch with the same cause ("Error (script.callFunction: tab crashed),
  // restart #1").
  std::string told;
  bool heard_crash = false;
  for (const auto& l : f.log_lines()) {
    if (l.find(victim_id) == std::string::npos || l.find("warn") == std::string::npos) continue;
    told += l + "\n";
    heard_crash = heard_crash || l.find("Browser gone: tab crashed") != std::string::npos ||
                  (l.find("Error (") != std::string::npos && l.find("tab crashed)") != std::string::npos);
  }
  INFO("what " << victim_id << " logged:\n" << told);
  CHECK(heard_crash);
  CHECK(told.find("did not answer a ping") == std::string::npos);
  check_only_victim_restarted(f, victim_id, pid);

  // The request on the crashed tab is answered all the same (retried).
  auto r = tab.call.get();
  INFO("the request in flight: " << r.status << " " << r.body);
  CHECK(r.status == 200);
  instant_answers(f);
  for (const auto& a : burst(f, 3, "after the tab crash")) CHECK(a.status == 200);
  figure("firefox context: " + victim_id + "'s tab crashed (content process " + std::to_string(tab.content_pid) +
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
  fleet_fixture f(shared_firefox_config());
  const int pid = instances_of(f)[0].value("browser_pid", 0);
  REQUIRE(pid > 0);
  // Its content process found while it answers, stopped once it idles again.
  streaming_tab tab = start_streaming(f, pid, "find my tab", 400, 15);
  const std::string& victim_id = tab.instance_id;
  REQUIRE(tab.call.get().status == 200);
  instant_answers(f);
  stopped_guard guard;  // a stopped process never answers: resumed and killed at the end, pass or fail
  guard.add(tab.content_pid);
  const auto t0 = clock_type::now();
  REQUIRE(::kill(tab.content_pid, SIGSTOP) == 0);

  const bool back = wait_victim_back(f, victim_id, 90s);
  const long back_ms = ms_since(t0);
  CHECK(back);
  check_only_victim_restarted(f, victim_id, pid);
  for (const auto& a : burst(f, 3, "after the hang")) CHECK(a.status == 200);
  figure("firefox context: " + victim_id + "'s page hung (content process " + std::to_string(tab.content_pid) +
         " stopped), ready again after " + std::to_string(back_ms) + " ms, browser pid " + std::to_string(pid) +
         " kept, the other profiles not restarted");
}
