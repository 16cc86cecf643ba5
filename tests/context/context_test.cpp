// Issue 21: profiles as isolated browser contexts of shared Chromium
// browsers (--isolation context). Real camoufleet, simulator and Chromium;
// two cases again on firefox-esr (entries firefox/context: ...), whose
// profiles are then user contexts of a shared Firefox.
#include <doctest/doctest.h>

#include <signal.h>

#include <future>
#include <map>
#include <set>

#include "browser/cdp/connection.hpp"
#include "browser/io_thread.hpp"
#include "tests/e2e/fleet_fixture.hpp"
#include "tests/reliability/rel_support.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using namespace camoufleet::reliability;
using nlohmann::json;

namespace {

fleet_config context_config(int accounts, int per_browser) {
  fleet_config cfg = with_accounts(accounts);
  cfg.server_args = {"--isolation", "context", "--accounts-per-browser", std::to_string(per_browser),
                     "--monitor-interval", "1", "--request-timeout", "30", "--queue-timeout", "60"};
  return cfg;
}

json instance_list(const fleet_fixture& f) {
  auto j = f.instances();
  return j.value("instances", json::array());
}

// "alice.json" -> "alice": the simulator's account name.
std::string account_of(const json& instance) {
  std::string file = instance.value("auth_file", "");
  return file.substr(0, file.rfind(".json"));
}

}  // namespace

TEST_CASE("context: three profiles share one browser pid, each keeps its own cookies, all serve") {
  fleet_fixture f(context_config(3, 8));
  json list = instance_list(f);
  REQUIRE(list.size() == 3);
  std::set<int> pids;
  for (const auto& i : list) pids.insert(i.value("browser_pid", 0));
  CHECK(pids.size() == 1);
  CHECK(*pids.begin() > 0);
  CHECK(process_alive(*pids.begin()));

  for (const auto& r : burst(f, 6, "context share")) CHECK(r.status == 200);
  // Who the simulator saw is who the instance is: each context sent its own
  // profile's cookies (one shared jar would make every request one account's).
  json sim = f.sim().state();
  for (const auto& i : instance_list(f)) {
    INFO("instance " << i.dump());
    CHECK(i.value("served", 0) > 0);
    CHECK(sim["accounts"][account_of(i)].value("requests", -1) == i.value("served", 0));
  }
  figure("context: 3 profiles in browser pid " + std::to_string(*pids.begin()));
}

TEST_CASE("context: --accounts-per-browser 2 packs three profiles into two browsers") {
  fleet_fixture f(context_config(3, 2));
  std::map<int, int> per_pid;
  for (const auto& i : instance_list(f)) ++per_pid[i.value("browser_pid", 0)];
  REQUIRE(per_pid.size() == 2);
  std::multiset<int> sizes;
  for (const auto& [pid, n] : per_pid) {
    CHECK(pid > 0);
    sizes.insert(n);
  }
  CHECK(sizes == std::multiset<int>{1, 2});
  for (const auto& r : burst(f, 3, "context packed")) CHECK(r.status == 200);
}

TEST_CASE("context: kill -9 of the shared browser under load: no lost request, one relaunch") {
  fleet_fixture f(context_config(3, 8));
  const int old_pid = instance_list(f)[0].value("browser_pid", 0);
  REQUIRE(old_pid > 0);
  // Slow answers, so requests are in flight when the browser dies.
  f.sim().set_pacing({{"first_token_ms", 300}, {"token_ms", 100}});
  std::vector<std::future<testing::http_response>> calls;
  for (int k = 0; k < 5; ++k)
    calls.push_back(std::async(std::launch::async, [&f, k] {
      return f.post("/v1/chat/completions", chat_body("context kill " + std::to_string(k)), {}, 120s);
    }));
  REQUIRE(!wait_busy_instance(f, 30s).is_null());
  auto t0 = clock_type::now();
  REQUIRE(::kill(old_pid, SIGKILL) == 0);

  int answered = 0;
  for (int k = 0; k < 5; ++k) {
    auto r = calls[static_cast<std::size_t>(k)].get();
    INFO("request " << k << ": " << r.status << " " << r.body);
    CHECK(r.status == 200);
    if (r.status == 200) {
      ++answered;
      CHECK(r.json()["choices"][0]["message"]["content"] ==
            expected_answer("context kill " + std::to_string(k)));
    }
  }
  // Every instance went down with the browser and came back, in one new browser.
  bool back = testing::wait_until(
      [&] {
        for (const auto& i : instance_list(f))
          if (i.value("status", "") != "ready") return false;
        return true;
      },
      60s, 20ms);
  CHECK(back);
  std::set<int> pids;
  for (const auto& i : instance_list(f)) {
    INFO("instance " << i.dump());
    CHECK(i.value("restarts", 0) > 0);
    pids.insert(i.value("browser_pid", 0));
  }
  CHECK(pids.size() == 1);
  CHECK(*pids.begin() != old_pid);
  CHECK_FALSE(process_alive(old_pid));
  int launches = 0;
  for (const auto& l : f.log_lines())
    if (l.find("shared browser") != std::string::npos && l.find(" up pid=") != std::string::npos) ++launches;
  CHECK(launches == 2);  // the first one, and one relaunch for all three
  figure("context kill -9 under load: " + std::to_string(answered) + "/5 answered, all ready again after " +
         std::to_string(ms_since(t0)) + " ms in pid " + std::to_string(*pids.begin()));
}

TEST_CASE("context: a hung page restarts only its own context, in the same browser") {
  fleet_fixture f(context_config(3, 8));
  json list = instance_list(f);
  const int pid = list[0].value("browser_pid", 0);
  REQUIRE(pid > 0);
  // Hang one profile's page from outside: an endless script in its tab (a
  // context of its own, so a renderer of its own).
  browser::io_thread io;
  auto conn = browser::cdp::connection::connect(io, list[0].value("ws_endpoint", ""), 10s);
  json targets = conn->call("Target.getTargets", json::object(), "", 10s);
  std::string target;
  for (const auto& t : targets.value("targetInfos", json::array()))
    if (t.value("type", "") == "page" && t.value("url", "").find("/prompts/") != std::string::npos &&
        !t.value("browserContextId", "").empty())
      target = t.value("targetId", "");
  REQUIRE(!target.empty());
  json attached = conn->call("Target.attachToTarget", {{"targetId", target}, {"flatten", true}}, "", 10s);
  conn->call_async("Runtime.evaluate", {{"expression", "for (;;) {}"}},
                   attached.value("sessionId", ""), 1s, [](const json*, const std::string&) {});
  auto t0 = clock_type::now();

  // The health probe finds it hung; that instance alone restarts, in the
  // same browser, and the others never stop.
  std::string restarted;
  bool done = testing::wait_until(
      [&] {
        int n = 0;
        for (const auto& i : instance_list(f)) {
          if (i.value("restarts", 0) > 0 && i.value("status", "") == "ready") {
            ++n;
            restarted = i.value("id", "");
          }
        }
        return n == 1;
      },
      60s, 20ms);
  CHECK(done);
  for (const auto& i : instance_list(f)) {
    INFO("instance " << i.dump());
    CHECK(i.value("browser_pid", 0) == pid);
    if (i.value("id", "") != restarted) CHECK(i.value("restarts", 0) == 0);
  }
  CHECK(process_alive(pid));
  conn->close();
  io.stop();
  for (const auto& r : burst(f, 3, "after one hang")) CHECK(r.status == 200);
  figure("context: a hung page: " + restarted + " alone restarted after " + std::to_string(ms_since(t0)) +
         " ms, browser pid " + std::to_string(pid) + " kept");
}

TEST_CASE("context: a crashed tab is replaced in the same browser, and its dead tab is gone at once, crash after crash") {
  fleet_fixture f(context_config(2, 8));
  json list = instance_list(f);
  const int pid = list[0].value("browser_pid", 0);
  REQUIRE(pid > 0);
  browser::io_thread io;
  auto conn = browser::cdp::connection::connect(io, list[0].value("ws_endpoint", ""), 10s);
  // The chat tabs of the browser's own contexts (one per profile).
  auto chat_tabs = [&conn] {
    std::vector<std::string> out;
    json targets = conn->call("Target.getTargets", json::object(), "", 10s);
    for (const auto& t : targets.value("targetInfos", json::array()))
      if (t.value("type", "") == "page" && !t.value("browserContextId", "").empty() &&
          t.value("url", "").find("/prompts/") != std::string::npos)
        out.push_back(t.value("targetId", ""));
    return out;
  };
  auto restarts = [&f] {
    int n = 0;
    for (const auto& i : instance_list(f))
      n += i.value("status", "") == "ready" ? i.value("restarts", 0) : -1000;
    return n;  // negative while one is not ready
  };
  std::vector<long> back_ms;
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    // The crashed tab of the round before has been disposed of with its
    // context: its session failed at once instead of holding the close.
    std::vector<std::string> tabs;
    REQUIRE(testing::wait_until([&] { return (tabs = chat_tabs()).size() == 2; }, 5s, 20ms));
    json attached = conn->call("Target.attachToTarget", {{"targetId", tabs[0]}, {"flatten", true}}, "", 10s);
    auto t0 = clock_type::now();
    conn->call_async("Page.crash", json::object(), attached.value("sessionId", ""), 1s,
                     [](const json*, const std::string&) {});
    REQUIRE(testing::wait_until([&] { return restarts() == round + 1; }, 60s, 5ms));
    back_ms.push_back(ms_since(t0));
    for (const auto& i : instance_list(f)) CHECK(i.value("browser_pid", 0) == pid);
    for (const auto& r : burst(f, 2, "after crash " + std::to_string(round))) CHECK(r.status == 200);
  }
  conn->close();
  io.stop();
  std::string figures;
  for (long ms : back_ms) figures += (figures.empty() ? "" : ", ") + std::to_string(ms);
  figure("context: a crashed tab ready again " + figures + " ms after each of three crashes, browser pid " +
         std::to_string(pid) + " kept");
}
