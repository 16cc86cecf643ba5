// The real Pistache server under load: many streams at once, early
// disconnects, events delivered on the reactor thread.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "server_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("server: many concurrent streams while /health keeps answering") {
  fixture f;
  instance_view i;
  i.status = instance_status::busy;
  fleet_view v;
  v.instances = {i};
  f.gw.set_fleet(v);
  constexpr int deltas = 20;
  f.gw.set_script([](const completion_request&) {
    std::vector<script_step> s{{5ms, assigned("inst-M")}};
    for (int k = 0; k < deltas; ++k) s.push_back({5ms, delta("t" + std::to_string(k) + " ")});
    std::string all;
    for (int k = 0; k < deltas; ++k) all += "t" + std::to_string(k) + " ";
    s.push_back({5ms, finished(all, "inst-M")});
    return s;
  });
  constexpr int threads = 6;
  constexpr int per_thread = 4;
  std::atomic<int> good{0};
  std::atomic<bool> stop_health{false};
  std::atomic<int> health_ok{0};
  std::atomic<long> worst_health_ms{0};
  std::thread health([&] {
    while (!stop_health) {
      const auto t0 = std::chrono::steady_clock::now();
      auto r = http_call(f.port(), "GET", "/health", "", {}, 5s);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - t0)
                          .count();
      if (r.status == 200) ++health_ok;
      if (ms > worst_health_ms) worst_health_ms = ms;
      std::this_thread::sleep_for(20ms);
    }
  });
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&] {
      for (int k = 0; k < per_thread; ++k) {
        http_connection c(f.port());
        if (!c.send_all(build_request("POST", "/v1/chat/completions", chat_body(true)))) continue;
        auto r = read_stream(c, 20s);
        std::string text;
        std::string id = r.head.header("x-request-id");
        bool same_id = true;
        for (const auto& j : data_events(r)) {
          same_id = same_id && j["id"] == id;
          const auto& delta_obj = j["choices"][0]["delta"];
          if (delta_obj.contains("content")) text += delta_obj["content"].get<std::string>();
        }
        if (r.head.status == 200 && r.ended && same_id && text.size() > 40) ++good;
      }
    });
  }
  for (auto& t : clients) t.join();
  stop_health = true;
  health.join();
  CHECK(good == threads * per_thread);
  CHECK(health_ok > 0);
  CHECK(worst_health_ms < 2000);
  CHECK(wait_until([&] { return f.srv.in_flight() == 0; }, 3s));
}

TEST_CASE("server: events delivered inside submit() on the reactor thread work") {
  fixture f;
  f.gw.set_synchronous(true);
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{0ms, assigned("inst-S")}, {0ms, delta("sync")},
                                    {0ms, finished("sync", "inst-S")}};
  });
  auto a = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false));
  CHECK(a.status == 200);
  CHECK(a.header("x-camoufleet-instance") == "inst-S");
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", chat_body(true))));
  auto r = read_stream(c, 5s);
  CHECK(r.head.status == 200);
  CHECK(r.ended);
  CHECK(data_events(r).size() == 3);
}

TEST_CASE("server: streams with early disconnects under load neither crash nor leak") {
  auto o = test_options();
  o.threads = 2;
  fixture f(o);
  constexpr int deltas = 150;
  f.gw.set_script([](const completion_request&) {
    std::vector<script_step> s{{1ms, assigned("inst-X")}};
    for (int k = 0; k < deltas; ++k) s.push_back({1ms, delta("x")});
    s.push_back({1ms, finished(std::string(deltas, 'x'), "inst-X")});
    return s;
  });
  constexpr int threads = 8;
  constexpr int per_thread = 3;
  std::atomic<int> complete{0};
  std::atomic<int> left_early{0};
  std::vector<std::string> early_ids[threads];
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&, t] {
      for (int k = 0; k < per_thread; ++k) {
        const bool leave = (t + k) % 3 == 0;
        http_connection c(f.port());
        if (!c.send_all(build_request("POST", "/v1/chat/completions", chat_body(true)))) continue;
        int seen = 0;
        auto r = read_stream(c, 20s, [&](const sse_event& e) {
          return leave && !e.comment && ++seen >= 10;
        });
        if (leave) {
          early_ids[t].push_back(r.head.header("x-request-id"));
          ++left_early;
          continue;  // the connection closes here, mid-stream
        }
        std::string text;
        for (const auto& j : data_events(r))
          if (j["choices"].size() == 1 && j["choices"][0]["delta"].contains("content"))
            text += j["choices"][0]["delta"]["content"].get<std::string>();
        if (r.ended && text == std::string(deltas, 'x')) ++complete;
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(complete + left_early == threads * per_thread);
  CHECK(left_early > 0);
  for (const auto& ids : early_ids)
    for (const auto& id : ids) {
      INFO(id);
      // Either it was cancelled, or it had already finished before the close was noticed.
      CHECK(wait_until([&] { return f.gw.was_cancelled(id) || f.gw.active() == 0; }, 5s));
    }
  CHECK(wait_until([&] { return f.srv.in_flight() == 0; }, 5s));
  CHECK(http_call(f.port(), "GET", "/v1/nothing").status == 404);  // still serving
}
