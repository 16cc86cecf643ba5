// Item 4 of issue 7: the site refuses an account (rate limit, lost login).
#include <doctest/doctest.h>

#include <algorithm>

#include <future>

#include "tests/e2e/fleet_fixture.hpp"
#include "tests/reliability/rel_support.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using namespace camoufleet::reliability;
using nlohmann::json;

namespace {

// Sends n requests one after another (each must be answered 200 with the
// exact text); returns the instances that answered.
std::vector<std::string> serve_sequentially(fleet_fixture& f, const std::string& tag, int n) {
  std::vector<std::string> who;
  for (int k = 0; k < n; ++k) {
    std::string prompt = tag + " " + std::to_string(k);
    auto r = f.post("/v1/chat/completions", chat_body(prompt), {}, 60s);
    CHECK_MESSAGE(r.status == 200, prompt << ": " << r.status << " " << r.body);
    if (r.status == 200) CHECK(r.json()["choices"][0]["message"]["content"] == expected_answer(prompt));
    who.push_back(r.header("X-Camoufleet-Instance"));
  }
  return who;
}

// A short health probe period, so a restart loop would show within seconds.
fleet_config probing() {
  fleet_config cfg;
  cfg.server_args = {"--monitor-interval", "1"};
  return cfg;
}

int sim_requests(fleet_fixture& f, const std::string& account) {
  return f.sim().state()["accounts"][account]["requests"].get<int>();
}

}  // namespace

TEST_CASE("reliability: a rate-limited account goes to cooldown, traffic moves, nothing loops") {
  fleet_fixture f(probing());
  json alice = instance_by_file(f, "alice.json");
  REQUIRE(!alice.is_null());
  const std::string id = alice["id"];
  f.sim().set_faults({{"account", "alice"}, {"rate_limit_after", 0}});

  // LRU over three ready instances: within three requests alice is picked;
  // her 429 fails over, so the client still gets the answer.
  auto t0 = clock_type::now();
  auto who = serve_sequentially(f, "rate limited", 3);
  long cooldown_ms = -1;
  CHECK(testing::wait_until(
      [&] {
        json i = instance_by_id(f, id);
        if (!i.is_null() && i["status"] == "cooldown") cooldown_ms = ms_since(t0);
        return cooldown_ms >= 0;
      },
      10s));
  json cool = instance_by_id(f, id);
  CHECK(cool["status"] == "cooldown");
  CHECK(cool["reason"].is_string());
  // Unix seconds, in the future (the guide's shape).
  REQUIRE(cool["cooldown_until"].is_number());
  CHECK(cool["cooldown_until"].get<double>() * 1000 >
        static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count()));
  MESSAGE("cooldown entry: " << cool.dump());
  for (const auto& w : who) CHECK(w != id);

  // Traffic stays on the others, and alice is not asked again.
  const int alice_after_first = sim_requests(f, "alice");
  CHECK(alice_after_first == 1);
  auto more = serve_sequentially(f, "after cooldown", 6);
  for (const auto& w : more) CHECK(w != id);
  CHECK(sim_requests(f, "alice") == alice_after_first);
  CHECK(instance_by_id(f, id)["status"] == "cooldown");
  figure("rate limit: 429 -> cooldown visible after " + std::to_string(cooldown_ms) +
         " ms; alice asked " + std::to_string(sim_requests(f, "alice")) + " time(s) for " +
         std::to_string(3 + 6) + " requests; cooldown_until " + cool["cooldown_until"].dump());
}

TEST_CASE("reliability: a cooled-down instance serves again once cooldown_until passes") {
  fleet_config cfg = probing();
  cfg.server_args.insert(cfg.server_args.end(), {"--rate-limit-cooldown", "3"});
  fleet_fixture f(cfg);
  json alice = instance_by_file(f, "alice.json");
  REQUIRE(!alice.is_null());
  const std::string id = alice["id"];
  f.sim().set_faults({{"account", "alice"}, {"rate_limit_after", 0}});
  serve_sequentially(f, "rate limited", 3);
  REQUIRE(testing::wait_until([&] { return instance_by_id(f, id)["status"] == "cooldown"; }, 30s));
  const auto cooled = clock_type::now();
  f.sim().set_faults({{"account", "alice"}, {"clear", true}});
  long back_ms = -1;
  CHECK(testing::wait_until(
      [&] {
        if (instance_by_id(f, id)["status"] != "ready") return false;
        back_ms = ms_since(cooled);
        return true;
      },
      30s));
  // It serves again: least recently used, so it is picked within a round.
  auto who = serve_sequentially(f, "after the cooldown", 3);
  CHECK(std::find(who.begin(), who.end(), id) != who.end());
  figure("cooldown 3 s: ready again " + std::to_string(back_ms) + " ms after it was seen cooling");
}

TEST_CASE("reliability: a lost login goes to needs_login, traffic moves, nothing loops") {
  fleet_fixture f(probing());
  json bob = instance_by_file(f, "bob.json");
  REQUIRE(!bob.is_null());
  const std::string id = bob["id"];
  f.sim().set_faults({{"account", "bob"}, {"login_expired", true}});

  auto t0 = clock_type::now();
  auto who = serve_sequentially(f, "login lost", 3);
  long detected_ms = -1;
  CHECK(testing::wait_until(
      [&] {
        json i = instance_by_id(f, id);
        if (!i.is_null() && i["status"] == "needs_login") detected_ms = ms_since(t0);
        return detected_ms >= 0;
      },
      30s));
  json lost = instance_by_id(f, id);
  CHECK(lost["status"] == "needs_login");
  if (lost["status"] != "needs_login")
    for (const auto& l : f.log_lines())
      if (l.find(id) != std::string::npos) MESSAGE("server: " << l);
  CHECK(lost["reason"].is_string());
  MESSAGE("needs_login entry: " << lost.dump());
  for (const auto& w : who) CHECK(w != id);

  const int bob_after_first = sim_requests(f, "bob");
  CHECK(bob_after_first <= 1);
  auto more = serve_sequentially(f, "after login lost", 6);
  for (const auto& w : more) CHECK(w != id);
  // Give a looping restart a chance to show itself: several monitor rounds.
  CHECK_FALSE(testing::wait_until([&] { return sim_requests(f, "bob") > bob_after_first; }, 3s));
  CHECK(instance_by_id(f, id)["status"] == "needs_login");
  auto h = f.health();
  CHECK(h["needs_login_instances"] == 1);
  CHECK(h["ready_instances"] == 2);
  figure("login lost: -> needs_login after " + std::to_string(detected_ms) + " ms; bob asked " +
         std::to_string(sim_requests(f, "bob")) + " time(s) for 9 requests");
}
