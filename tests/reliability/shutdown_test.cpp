// Item 7 of issue 7: SIGTERM drains and cleans up; SIGKILL leaves no browser.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>

#include <future>
#include <regex>

#include "tests/e2e/fleet_fixture.hpp"
#include "tests/reliability/rel_support.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using namespace camoufleet::reliability;
using nlohmann::json;

namespace {

std::vector<int> live_browsers(const std::string& root) {
  std::vector<int> out;
  for (int pid : browser_pids(root))
    if (process_alive(pid)) out.push_back(pid);
  return out;
}

}  // namespace

TEST_CASE("reliability: SIGTERM drains: in-flight finishes, new requests get 503, browsers and profiles go") {
  fleet_config cfg;
  cfg.server_args = {"--shutdown-grace", "20"};
  fleet_fixture f(cfg);
  const std::string root = profile_root(f);
  REQUIRE(!live_browsers(root).empty());
  // One profile dir per browser: three, or one Chromium shared by all three.
  REQUIRE(dir_entries(root, "camoufleet-").size() == (testing::context_isolation() ? 1u : 3u));

  // ~4 s of generation, so the request is surely in flight at SIGTERM.
  f.sim().set_pacing({{"first_token_ms", 300}, {"token_ms", 150}});
  const std::string prompt = "finish me while draining";
  auto in_flight = std::async(std::launch::async,
                              [&] { return f.post("/v1/chat/completions", chat_body(prompt), {}, 60s); });
  REQUIRE(!wait_busy_instance(f, 30s).is_null());

  auto t0 = clock_type::now();
  REQUIRE(::kill(f.server().pid(), SIGTERM) == 0);
  // The fleet logs this line right before it tells the balancer to drain;
  // from then on nothing new may start.
  REQUIRE(f.server().wait_for_line(std::regex("Shutting down: waiting"), 10s));
  long drain_seen_ms = ms_since(t0);
  auto refused = f.post("/v1/chat/completions", chat_body("too late"), {}, 30s);
  CHECK(refused.status == 503);
  CHECK_MESSAGE(is_openai_error(refused.body), refused.body);
  if (refused.status != 503)
    for (const auto& l : f.log_lines())
      if (l.find("too late") != std::string::npos || l.find("hutting") != std::string::npos ||
          l.find("Signal") != std::string::npos || l.find("drain") != std::string::npos)
        MESSAGE("server: " << l);

  auto done = in_flight.get();
  long finished_ms = ms_since(t0);
  CHECK(done.status == 200);
  if (done.status == 200) CHECK(done.json()["choices"][0]["message"]["content"] == expected_answer(prompt));
  CHECK(finished_ms < 20000);

  auto status = f.server().wait_exit(40s);
  long exit_ms = ms_since(t0);
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  if (WIFEXITED(*status)) CHECK(WEXITSTATUS(*status) == 0);
  long browsers_gone_ms = -1;
  CHECK(testing::wait_until([&] { return live_browsers(root).empty(); }, 10s));
  browsers_gone_ms = ms_since(t0);
  CHECK(dir_entries(root, "camoufleet-").empty());
  figure("SIGTERM: drain began " + std::to_string(drain_seen_ms) + " ms after the signal; in-flight request answered " + std::to_string(finished_ms) + " ms after the signal, new one got " +
         std::to_string(refused.status) + ", server exited after " + std::to_string(exit_ms) +
         " ms, no browser left after " + std::to_string(browsers_gone_ms) + " ms, profile dirs left: " +
         std::to_string(dir_entries(root, "camoufleet-").size()));
}

TEST_CASE("reliability: SIGKILL of the server leaves no browser process behind") {
  fleet_fixture f;
  const std::string root = profile_root(f);
  auto before = live_browsers(root);
  REQUIRE(before.size() >= 3);
  auto t0 = clock_type::now();
  // Only the server's own pid: its browsers must go by themselves.
  REQUIRE(::kill(f.server().pid(), SIGKILL) == 0);
  bool gone = testing::wait_until(
      [&] {
        for (int pid : before)
          if (process_alive(pid)) return false;
        return true;
      },
      15s, 20ms);
  long gone_ms = ms_since(t0);
  CHECK(gone);
  std::vector<int> left;
  for (int pid : before)
    if (process_alive(pid)) left.push_back(pid);
  figure("server SIGKILL: " + std::to_string(before.size()) + " browser processes, " +
         std::to_string(left.size()) + " left; all gone after " + (gone ? std::to_string(gone_ms) + " ms" : "never"));
  // The fixture's child_process SIGKILLs the whole group when it goes, so a
  // failure here still leaves nothing behind.
}
