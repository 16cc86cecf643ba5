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
#include "tests/reliability/rel_support.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using namespace camoufleet::reliability;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// How one request ended, as its client saw it.
struct tally {
  std::mutex mu;
  std::map<std::string, int> counts;  // "<kind> <outcome>"
  std::vector<std::string> bad;       // what no request may end with
  void add(const std::string& kind, const std::string& outcome) {
    std::lock_guard<std::mutex> lock(mu);
    ++counts[kind + " " + outcome];
  }
  void fail(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    bad.push_back(what);
  }
};

// A 4xx/5xx with an OpenAI error body: "<status> <code>".
std::string error_outcome(const testing::http_response& r) {
  auto j = json::parse(r.body, nullptr, false);
  std::string code = j.is_object() && j.contains("error") && j["error"].contains("code") &&
                             j["error"]["code"].is_string()
                         ? j["error"]["code"].get<std::string>()
                         : "-";
  return std::to_string(r.status) + " " + code;
}

void run_one(const fleet_fixture& f, int client, int i, tally& t);

// An answer other than 200: an OpenAI error is an outcome of its kind,
// anything else (no answer, a body that is no error object) is bad.
void add_refusal(tally& t, const std::string& kind, const testing::http_response& r) {
  if (r.status >= 400 && is_openai_error(r.body))
    t.add(kind, error_outcome(r));
  else
    t.fail(kind + " ended " + std::to_string(r.status) + " " + r.error);
}

// A stream cancelled through POST /v1/cancel/{id} once its first piece
// (which names the id) arrived: the cancel answers 200 (or 404 when the
// answer ended first) and the stream still ends with [DONE], after an error
// event or with the whole answer.
void cancel_through_api(const fleet_fixture& f, const std::string& prompt, const std::string& expected,
                        tally& t) {
  std::string cancel_outcome = "no id seen";
  auto r = testing::http_request_stream(
      "POST", f.port(), "/v1/chat/completions", chat_body(prompt, "gemini-2.5-pro", true).dump(),
      {{"Content-Type", "application/json"}},
      [&](const std::string& piece) {
        const auto at = piece.find("\"id\":\"chatcmpl-");
        if (at == std::string::npos || cancel_outcome != "no id seen") return true;
        const auto from = at + 6;
        const std::string id = piece.substr(from, piece.find('"', from) - from);
        auto c = f.post("/v1/cancel/" + id, json::object(), {}, 10s);
        if (c.status == 200 || (c.status == 404 && is_openai_error(c.body)))
          cancel_outcome = std::to_string(c.status);
        else
          t.fail("cancel answered " + std::to_string(c.status) + ": " + c.body.substr(0, 200));
        return true;
      },
      60s);
  if (r.status != 200) return add_refusal(t, "cancelled stream", r);
  auto sse = parse_sse(r.body);
  const bool errored = sse.has_error_event();
  if (!sse.done()) t.fail("cancelled stream without [DONE]: " + r.error);
  if (!errored && sse.content() != expected)
    t.fail("cancelled stream neither stopped nor whole: " + sse.content().substr(0, 200));
  t.add("cancelled stream", "cancel " + cancel_outcome + (errored ? ", error event" : ", whole answer"));
}

void run_client(const fleet_fixture& f, int client, const std::atomic<bool>& stop, tally& t) {
  for (int i = 0; !stop.load(); ++i) {
    try {
      run_one(f, client, i, t);
    } catch (const std::exception& e) {
      t.fail(std::string("client threw: ") + e.what());
    }
  }
}

void run_one(const fleet_fixture& f, int client, int i, tally& t) {
  const std::string prompt = "chaos " + std::to_string(client) + "-" + std::to_string(i);
  const std::string expected = expected_answer(prompt);
  switch (i % 5) {
    case 0:
    case 1: {  // non-stream
      auto r = f.post("/v1/chat/completions", chat_body(prompt), {}, 60s);
      if (r.status == 200) {
        auto j = json::parse(r.body, nullptr, false);
        const bool exact = !j.is_discarded() &&
                           j["choices"][0]["message"]["content"] == expected;
        if (!exact) t.fail("non-stream 200 with another text: " + r.body.substr(0, 200));
        t.add("non-stream", "200");
      } else {
        add_refusal(t, "non-stream", r);
      }
      break;
    }
    case 2: {  // stream with usage
      auto body = chat_body(prompt, "gemini-2.5-pro", true);
      body["stream_options"] = {{"include_usage", true}};
      auto r = f.post("/v1/chat/completions", body, {}, 60s);
      if (r.status == 200) {
        auto sse = parse_sse(r.body);
        const bool errored = sse.has_error_event();
        if (!sse.done()) t.fail("stream without [DONE]: " + r.error);
        if (!errored && sse.content() != expected)
          t.fail("stream with another text: " + sse.content().substr(0, 200));
        if (!errored && !sse.chunks().empty() && !sse.chunks().back().contains("usage"))
          t.fail("stream without its usage chunk");
        t.add("stream", errored ? "200 + error event" : "200");
      } else {
        add_refusal(t, "stream", r);
      }
      break;
    }
    case 3: {
      if ((i / 5) % 2 == 1) {
        cancel_through_api(f, prompt, expected, t);
        break;
      }
      // The client goes away after the first piece.
      bool got_piece = false;
      auto r = testing::http_request_stream(
          "POST", f.port(), "/v1/chat/completions",
          chat_body(prompt, "gemini-2.5-pro", true).dump(), {{"Content-Type", "application/json"}},
          [&](const std::string& piece) {
            if (!piece.empty()) got_piece = true;
            return !got_piece;
          },
          60s);
      if (r.status == 0 && !got_piece) t.fail("dropped stream got no answer: " + r.error);
      t.add("dropped stream", got_piece ? "dropped" : std::to_string(r.status));
      break;
    }
    default: {  // nothing for the site to answer
      auto r = f.post("/v1/chat/completions", json{{"messages", {{{"role", "assistant"}}}}}, {}, 10s);
      if (r.status != 400 || !is_openai_error(r.body))
        t.fail("bad request ended " + std::to_string(r.status));
      t.add("bad request", std::to_string(r.status));
      break;
    }
  }
}

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
