// Issue 22: the faults of the other cases all at once, under mixed traffic,
// for a bounded time. The ctest variant runs 20 s of chaos; the long run is
// by hand:
//
//   CAMOUFLEET_CHAOS_SECONDS=600 ./tests/reliability/reliability_tests -tc='*chaos*'
//
// Traffic (3 client threads): non-stream, stream with include_usage, streams
// the client drops after the first piece, streams cancelled through
// /v1/cancel, bad requests. Chaos (one loop, a
// seeded RNG): SIGKILL or SIGSTOP (3 s) a browser, a simulator fault on one
// account for 2 s (rate limit, lost login, hang, slow first token, 500),
// rewrite a profile, remove one and put it back. Then everything stops and
// the case checks that every request ended cleanly, that the fleet is whole
// again, and prints the server's RSS, descriptors and threads at the start,
// middle and end.
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/fleet_fixture.hpp"
#include "tests/e2e/sse_reader.hpp"
#include "tests/reliability/chaos_traffic.hpp"
#include "tests/reliability/rel_support.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using namespace camoufleet::reliability;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Rewrites a profile with the same cookies and new bytes (the watcher
// restarts its instance with it).
bool rewrite(const std::string& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().empty()) return false;
  std::ofstream(file) << text.str() << "\n";
  return true;
}

std::chrono::seconds chaos_duration() {
  const char* v = std::getenv("CAMOUFLEET_CHAOS_SECONDS");
  const long s = v ? std::atol(v) : 0;
  return std::chrono::seconds(s > 0 ? s : 20);
}

}  // namespace

TEST_CASE("reliability: chaos, bounded: mixed traffic while browsers, site and profiles fail") {
  fleet_config cfg;
  cfg.server_args = {"--monitor-interval", "1",  "--request-timeout",     "20",
                     "--queue-timeout",    "20", "--rate-limit-cooldown", "3"};
  cfg.env = {{"CAMOUFLEET_AUTH_POLL_MS", "200"}};
  fleet_fixture f(cfg);
  f.sim().set_pacing({{"first_token_ms", 40}, {"token_ms", 10}});
  const int server = f.server().pid();
  const auto duration = chaos_duration();
  const unsigned seed = static_cast<unsigned>(std::random_device{}());
  std::mt19937 rng(seed);
  MESSAGE("chaos seed " << seed << ", " << duration.count() << " s");

  const auto start = measure(server);
  footprint middle;
  tally t;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  // Also when a check below throws: a joinable thread must not be destroyed.
  struct joiner {
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~joiner() {
      stop = true;
      for (auto& th : threads)
        if (th.joinable()) th.join();
    }
  } join_clients{stop, clients};
  for (int c = 0; c < 3; ++c) clients.emplace_back([&, c] { run_client(f, c, stop, t); });

  stopped_guard frozen;
  std::set<std::string> lost_logins;  // accounts whose login the chaos took
  std::map<std::string, int> actions;
  const std::vector<std::string> accounts = {"alice", "bob", "carol"};
  const auto t0 = clock_type::now();
  bool middle_taken = false;
  std::vector<int> order;
  while (clock_type::now() - t0 < duration) {
    if (!middle_taken && clock_type::now() - t0 >= duration / 2) {
      middle = measure(server);
      middle_taken = true;
    }
    const std::string account = accounts[rng() % accounts.size()];
    const auto browser_of = [&](const std::string& name) {
      const auto inst = instance_by_file(f, name + ".json");
      return inst.is_null() || !inst.contains("port") || !inst["port"].is_number()
                 ? 0
                 : browser_pid_for_port(f, inst["port"].get<int>());
    };
    // The chosen account's browser, else any running one (it may be
    // restarting). Reading /proc races with processes that just died
    // (libstdc++ throws on ESRCH): then there is none this round.
    int browser = 0;
    try {
      browser = browser_of(account);
      for (const auto& other : accounts)
        if (browser <= 0) browser = browser_of(other);
    } catch (const std::exception&) {
      browser = 0;
    }
    const std::string file = f.auth_dir() + "/" + account + ".json";
    // Every action once per round of 8, in a shuffled order, so even a
    // short run sees each. The pauses below pace the chaos; nothing waits
    // on them for a result.
    if (order.empty()) {
      order = {0, 1, 2, 3, 4, 5, 6, 7};
      std::shuffle(order.begin(), order.end(), rng);
    }
    const int action = order.back();
    order.pop_back();
    try {
      switch (action) {
        case 0:
          if (browser > 0 && ::kill(browser, SIGKILL) == 0) ++actions["SIGKILL browser"];
          break;
        case 1:
          if (browser > 0 && ::kill(browser, SIGSTOP) == 0) {
            frozen.add(browser);
            ++actions["SIGSTOP browser 3 s"];
            std::this_thread::sleep_for(3s);
            ::kill(browser, SIGCONT);
          }
          break;
        case 2:
        case 3: {
          static const std::vector<json> faults = {
              {{"rate_limit_after", 0}}, {{"login_expired", true}}, {{"hang", true}},
              {{"slow_first_token_ms", 3000}}, {{"error", true}}};
          json fault = faults[rng() % faults.size()];
          if (fault.contains("login_expired")) lost_logins.insert(account);
          ++actions["fault " + fault.begin().key()];
          fault["account"] = account;
          f.sim().set_faults(fault);
          std::this_thread::sleep_for(2s);
          f.sim().set_faults({{"account", account}, {"clear", true}});
          // A lost login parks its instance until the profile is replaced, as
          // a user would after signing in again.
          if (fault.contains("login_expired") && rewrite(file)) lost_logins.erase(account);
          break;
        }
        case 4:
          if (rewrite(file)) ++actions["rewrite profile"];
          break;
        case 5: {  // remove the profile, then put it back
          std::error_code ec;
          fs::rename(file, file + ".away", ec);
          if (ec) break;
          ++actions["remove + re-add profile"];
          std::this_thread::sleep_for(2s);
          fs::rename(file + ".away", file, ec);
          break;
        }
        default:
          std::this_thread::sleep_for(1s);  // a quiet moment
          break;
      }
    } catch (const std::exception& e) {
      // The simulator's admin API under load: this action is skipped.
      ++actions[std::string("skipped (") + e.what() + ")"];
    }
  }
  stop = true;
  for (auto& c : clients) c.join();
  f.sim().set_faults({{"account", "*"}, {"clear", true}});

  // Back to ready, or in the state its fault explains (a lost login stays
  // parked until its profile is replaced: that is the rule).
  std::string last;
  const bool settled = testing::wait_until(
      [&] {
        auto inst = f.instances()["instances"];
        std::ostringstream states;
        int ok = 0;
        for (const auto& i : inst) {
          const std::string file = i.value("auth_file", "");
          const std::string status = i["status"];
          states << file << "=" << status << " ";
          const bool parked = status == "needs_login" &&
                              lost_logins.count(file.substr(0, file.find('.'))) > 0;
          if (status == "ready" || parked) ++ok;
        }
        last = states.str();
        return inst.size() == 3 && ok == 3;
      },
      120s, 250ms);
  CHECK_MESSAGE(settled, "fleet after the chaos: " << last);
  const auto end = measure(server);

  // No orphan browser, no leftover profile dir: every chromium of this
  // fleet belongs to a live instance's browser, one dir per browser. A
  // browser being replaced right now may take its close grace (5 s) to go.
  const auto root = profile_root(f);
  std::vector<std::string> dirs;
  std::set<int> groups;  // the browsers of the instances that have one
  std::set<int> orphan_groups;
  const auto look_once = [&] {
    dirs = dir_entries(root, "camoufleet-");
    groups.clear();
    orphan_groups.clear();
    const auto view = f.instances();
    for (const auto& i : view["instances"])
      if (i.contains("port") && i["port"].is_number())
        if (const int pid = browser_pid_for_port(f, i["port"].get<int>()); pid > 0) groups.insert(pid);
    for (int pid : browser_pids(root)) {
      const int pgid = ::getpgid(pid);
      if (process_alive(pid) && pgid > 0 && groups.count(pgid) == 0) orphan_groups.insert(pgid);
    }
    return orphan_groups.empty() && dirs.size() == groups.size();
  };
  const auto look = [&]() -> bool {
    try {
      return look_once();
    } catch (const std::exception&) {
      return false;  // a process died while /proc was read: look again
    }
  };
  const bool clean = testing::wait_until(look, 20s, 250ms);
  for (int g : orphan_groups) {
    std::ifstream cmd("/proc/" + std::to_string(g) + "/cmdline");
    std::string line;
    std::getline(cmd, line);
    for (auto& c : line)
      if (c == '\0') c = ' ';
    MESSAGE("orphan browser group " << g << ": " << line.substr(0, 300));
  }
  const int orphans = static_cast<int>(orphan_groups.size());
  CHECK(clean);
  CHECK(orphans == 0);
  // A parked instance (needs_login) has closed its browser and its dir.
  CHECK_MESSAGE(dirs.size() == groups.size(),
                dirs.size() << " profile dirs under " << root << " for " << groups.size()
                            << " browsers");

  std::ostringstream summary;
  int total = 0;
  for (const auto& [what, n] : t.counts) {
    summary << what << " x" << n << "; ";
    total += n;
  }
  std::ostringstream done;
  for (const auto& [what, n] : actions) done << what << " x" << n << "; ";
  for (const auto& b : t.bad) MESSAGE("bad ending: " << b);
  CHECK(t.bad.empty());
  CHECK(total > 0);
  // Flat: what the chaos made (connections, workers, browsers' pipes) is
  // given back once the fleet settled. Generous margins: browsers restart.
  CHECK(end.fds <= start.fds + 12);
  CHECK(end.threads <= start.threads + 6);
  figure("chaos " + std::to_string(duration.count()) + " s (seed " + std::to_string(seed) +
         "): " + std::to_string(total) + " requests: " + summary.str());
  figure("chaos actions: " + done.str());
  figure("chaos server footprint: " + describe("start", start) + "; " + describe("middle", middle) +
         "; " + describe("end", end) + "; orphan browsers " + std::to_string(orphans) + ", profile dirs " +
         std::to_string(dirs.size()));
}
