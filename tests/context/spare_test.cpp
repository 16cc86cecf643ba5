// Issue 21, faster back after a crash: warm spare browsers
// (--spare-browsers N, process isolation). Real camoufleet, simulator and
// Chromium (or firefox-esr: --browser-kind=firefox, tests/context/
// CMakeLists.txt): a crashed instance serves again from the spare (its pid),
// the pool refills, no request is lost, a dead spare is replaced, and
// shutdown leaves no spare behind.
#include <doctest/doctest.h>

#include <signal.h>

#include <future>
#include <set>

#include "tests/e2e/fleet_fixture.hpp"
#include "tests/reliability/rel_support.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using namespace camoufleet::reliability;
using nlohmann::json;

namespace {

fleet_config spare_config(int accounts, int spares) {
  fleet_config cfg = with_accounts(accounts);
  cfg.server_args = {"--spare-browsers", std::to_string(spares), "--monitor-interval", "1",
                     "--request-timeout", "30", "--queue-timeout", "60"};
  return cfg;
}

// The pids of the ready spares /health shows.
std::set<int> ready_spares(const fleet_fixture& f) {
  std::set<int> out;
  json s = f.health().value("spares", json::object());
  for (const auto& b : s.value("browsers", json::array()))
    if (b.value("status", "") == "ready" && b.value("browser_pid", json()).is_number())
      out.insert(b["browser_pid"].get<int>());
  return out;
}

std::set<int> wait_spares(const fleet_fixture& f, std::size_t n, std::chrono::milliseconds deadline) {
  std::set<int> got;
  testing::wait_until([&] { return (got = ready_spares(f)).size() == n; }, deadline, 20ms);
  return got;
}

// Deadlines for a browser start: Firefox takes ~10 s and more to start on
// a busy 2-core machine (browser/bidi/firefox_session.hpp), Chromium ~1 s.
std::chrono::milliseconds start_deadline() { return testing::firefox_kind() ? 180s : 60s; }

// Every browser the fleet launched (its profile root is in their command
// line) is SIGKILLed by pid when the case ends, pass or fail, after the
// fixture's own stop: declare it before the fixture, set root after.
struct browser_sweep {
  std::string root;
  browser_sweep() = default;
  browser_sweep(const browser_sweep&) = delete;
  browser_sweep& operator=(const browser_sweep&) = delete;
  ~browser_sweep() {
    if (root.empty()) return;
    for (int pid : browser_pids(root)) ::kill(pid, SIGKILL);
  }
};

}  // namespace

TEST_CASE("spares: kill -9 under load: the instance serves again from the spare, the pool refills") {
  browser_sweep sweep;
  fleet_fixture f(spare_config(2, 1));
  sweep.root = profile_root(f);
  // The fleet's first starts go cold: the spare is still there.
  const auto first = wait_spares(f, 1, start_deadline());
  REQUIRE(first.size() == 1);
  const int spare_pid = *first.begin();
  CHECK(process_alive(spare_pid));
  // Named: a range-for over a temporary's member would dangle.
  const json before = f.instances();
  for (const auto& i : before["instances"]) CHECK(i.value("browser_pid", 0) != spare_pid);
  CHECK(f.instances()["spares"].value("wanted", 0) == 1);
  auto metrics = f.get("/metrics").body;
  CHECK(metrics.find("camoufleet_browser_spares{state=\"ready\"} 1") != std::string::npos);

  f.sim().set_pacing({{"first_token_ms", 300}, {"token_ms", 100}});
  std::vector<std::future<testing::http_response>> calls;
  for (int k = 0; k < 4; ++k)
    calls.push_back(std::async(std::launch::async, [&f, k] {
      return f.post("/v1/chat/completions", chat_body("spare kill " + std::to_string(k)), {}, 120s);
    }));
  json victim = wait_busy_instance(f, 30s);
  REQUIRE(!victim.is_null());
  const std::string id = victim.value("id", "");
  const int old_pid = victim.value("browser_pid", 0);
  REQUIRE(old_pid > 0);
  auto t0 = clock_type::now();
  REQUIRE(::kill(old_pid, SIGKILL) == 0);

  // Back, and on the spare's browser (busy counts: queued requests go to
  // it the moment it is ready).
  bool back = testing::wait_until(
      [&] {
        json i = instance_by_id(f, id);
        const std::string st = i.value("status", "");
        return (st == "ready" || st == "busy") && i.value("restarts", 0) > 0;
      },
      start_deadline(), 5ms);
  const long back_ms = ms_since(t0);
  REQUIRE(back);
  CHECK(instance_by_id(f, id).value("browser_pid", 0) == spare_pid);
  for (int k = 0; k < 4; ++k) {
    auto r = calls[static_cast<std::size_t>(k)].get();
    INFO("request " << k << ": " << r.status << " " << r.body);
    CHECK(r.status == 200);
    if (r.status == 200)
      CHECK(r.json()["choices"][0]["message"]["content"] ==
            expected_answer("spare kill " + std::to_string(k)));
  }
  // A new spare takes the old one's place.
  const auto refilled = wait_spares(f, 1, start_deadline());
  REQUIRE(refilled.size() == 1);
  const int new_spare = *refilled.begin();
  CHECK(new_spare != spare_pid);
  CHECK(new_spare != old_pid);
  CHECK_FALSE(process_alive(old_pid));
  bool took = false;
  for (const auto& l : f.log_lines())
    if (l.find("takes over spare browser") != std::string::npos) took = true;
  CHECK(took);
  // The instance on the former spare serves with its own profile.
  f.sim().set_pacing({{"first_token_ms", 20}, {"token_ms", 5}});
  for (int k = 0; k < 4; ++k)
    CHECK(f.post("/v1/chat/completions", chat_body("after spare " + std::to_string(k))).status == 200);
  CHECK(instance_by_id(f, id).value("served", 0) > 0);
  figure(std::string("spare") + (testing::firefox_kind() ? " (firefox)" : "") + ": " + id + " ready again " + std::to_string(back_ms) + " ms after kill -9, on spare pid " +
         std::to_string(spare_pid) + "; new spare pid " + std::to_string(new_spare));

  // Shutdown stops the spare with the rest.
  auto status = f.stop(SIGTERM);
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(testing::wait_until([&] { return !process_alive(new_spare) && !process_alive(spare_pid); }, 10s, 20ms));
  CHECK(dir_entries(profile_root(f), "camoufleet-spare").empty());
}

TEST_CASE("spares: a spare that dies is replaced, a fleet without the flag keeps none") {
  browser_sweep sweep;
  fleet_fixture f(spare_config(1, 1));
  sweep.root = profile_root(f);
  const auto first = wait_spares(f, 1, start_deadline());
  REQUIRE(first.size() == 1);
  REQUIRE(::kill(*first.begin(), SIGKILL) == 0);
  std::set<int> next;
  CHECK(testing::wait_until(
      [&] {
        next = ready_spares(f);
        return next.size() == 1 && *next.begin() != *first.begin();
      },
      start_deadline(), 20ms));
  CHECK(f.post("/v1/chat/completions", chat_body("spare replaced")).status == 200);

  fleet_fixture plain(with_accounts(1));
  json s = plain.health().value("spares", json::object());
  CHECK(s.value("wanted", -1) == 0);
  CHECK(s.value("browsers", json::array()).empty());
}
