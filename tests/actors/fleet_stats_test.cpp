// fleet_stats and observed_gateway: what the counters make of a request's
// events (pure; a hand-driven clock).
#include "actors/fleet_stats.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "actors/observed_gateway.hpp"

using namespace camoufleet;

namespace {

completion_request req(const std::string& id, bool stream = true) {
  completion_request r;
  r.id = id;
  r.params.model = "gemini-2.5-pro";
  r.stream = stream;
  return r;
}

// Plays back fixed events for every submit, synchronously.
class scripted_gateway : public gateway {
 public:
  std::vector<request_event> events;
  std::int64_t* clock = nullptr;
  void submit(completion_request, std::function<void(const request_event&)> on_event) override {
    for (const auto& e : events) {
      *clock += 100;
      on_event(e);
    }
  }
  void cancel(const std::string&, std::function<void(bool)> done) override { done(false); }
  void fleet(std::function<void(const fleet_view&)> on_view) override { on_view({}); }
  void models(std::function<void(const std::vector<core::model_info>&)> on) override { on({}); }
};

// Keeps each request's callback, for the test to call when it likes.
class holding_gateway : public scripted_gateway {
 public:
  std::vector<std::function<void(const request_event&)>> held;
  void submit(completion_request, std::function<void(const request_event&)> on_event) override {
    held.push_back(std::move(on_event));
  }
};

}  // namespace

TEST_CASE("fleet_stats: one request's life fills the histograms, counters and lists") {
  fleet_stats s;
  s.started(req("a"), 10'000);
  auto snap = s.snapshot(10'000);
  REQUIRE(snap.running.size() == 1);
  CHECK(snap.running[0].instance_id.empty());
  s.assigned("a", "instance_1", 10'250);
  s.assigned("a", "instance_2", 10'400);  // a failover is not a second queue wait
  s.delta("a", 10'900);
  s.delta("a", 11'000);
  request_finished f;
  f.request_id = "a";
  f.instance_id = "instance_2";
  f.prompt_tokens = 12;
  f.completion_tokens = 30;
  s.finished(f, 12'000);
  snap = s.snapshot(12'000);
  CHECK(snap.running.empty());
  REQUIRE(snap.recent.size() == 1);
  CHECK(snap.recent[0].instance_id == "instance_2");
  CHECK(snap.recent[0].outcome == "success");
  CHECK(snap.recent[0].queue_wait_s == doctest::Approx(0.25));
  CHECK(snap.recent[0].ttft_s == doctest::Approx(0.9));
  CHECK(snap.recent[0].duration_s == doctest::Approx(2.0));
  CHECK(snap.queue_wait.count == 1);
  CHECK(snap.ttft.count == 1);
  CHECK(snap.duration.sum == doctest::Approx(2.0));
  CHECK(snap.requests["success"] == 1);
  CHECK(snap.instances["instance_2"].requests["success"] == 1);
  CHECK(snap.prompt_tokens == 12);
  CHECK(snap.completion_tokens == 30);
  REQUIRE(snap.series.size() == 1);
  CHECK(snap.series[0].completed == 1);
  // A minute later the per-second series has forgotten it; the totals have not.
  snap = s.snapshot(12'000 + 61'000);
  CHECK(snap.series.empty());
  CHECK(snap.requests["success"] == 1);
}

TEST_CASE("fleet_stats: failures, cancels, unknown ids and the recent list's bound") {
  fleet_stats s;
  s.started(req("q"), 0);
  request_failed full;
  full.request_id = "q";
  full.code = error_code::queue_full;
  s.failed(full, 5);
  s.started(req("c"), 0);
  s.assigned("c", "instance_1", 10);
  request_failed cancelled;
  cancelled.request_id = "c";
  cancelled.code = error_code::cancelled;
  s.failed(cancelled, 50);
  s.delta("nobody", 60);  // ignored
  auto snap = s.snapshot(100);
  CHECK(snap.requests["error"] == 1);
  CHECK(snap.requests["cancelled"] == 1);
  CHECK(snap.instances["instance_1"].requests["cancelled"] == 1);
  CHECK(snap.recent[0].outcome == "cancelled");
  CHECK(snap.recent[1].outcome == "queue_full");
  CHECK(snap.ttft.count == 0);
  for (int i = 0; i < 80; ++i) {
    s.started(req("r" + std::to_string(i)), 1000);
    request_finished f;
    f.request_id = "r" + std::to_string(i);
    s.finished(f, 1001);
  }
  snap = s.snapshot(1001);
  CHECK(snap.recent.size() == fleet_stats::recent_limit);
  CHECK(snap.recent[0].id == "r79");
  CHECK(snap.requests["success"] == 80);
}

TEST_CASE("fleet_stats: each API key's requests by outcome and its tokens, under its name") {
  fleet_stats s;
  const auto keyed = [](const std::string& id, const std::string& caller) {
    completion_request r = req(id);
    r.caller = caller;
    return r;
  };
  const auto finish = [&s](const std::string& id, int prompt, int completion) {
    request_finished f;
    f.request_id = id;
    f.prompt_tokens = prompt;
    f.completion_tokens = completion;
    s.finished(f, 200);
  };
  s.started(keyed("a1", "alice"), 0);
  s.started(keyed("a2", "alice"), 0);
  s.started(keyed("b1", "bob"), 0);
  s.started(req("open"), 0);  // no keys: counted fleet-wide only
  finish("a1", 10, 20);
  finish("b1", 1, 2);
  finish("open", 100, 100);
  request_failed lost;
  lost.request_id = "a2";
  lost.code = error_code::rate_limited;
  s.failed(lost, 300);
  auto snap = s.snapshot(300);
  REQUIRE(snap.callers.size() == 2);
  CHECK(snap.callers["alice"].requests["success"] == 1);
  CHECK(snap.callers["alice"].requests["error"] == 1);
  CHECK(snap.callers["alice"].prompt_tokens == 10);
  CHECK(snap.callers["alice"].completion_tokens == 20);
  CHECK(snap.callers["bob"].requests["success"] == 1);
  CHECK(snap.callers["bob"].completion_tokens == 2);
  CHECK(snap.prompt_tokens == 111);
  CHECK(snap.recent.front().caller == "alice");  // the dashboard's list names it
}

TEST_CASE("observed_gateway: counts what passes and forwards every event") {
  std::int64_t now = 1'000;
  scripted_gateway inner;
  inner.clock = &now;
  request_assigned a{"x", "instance_3"};
  request_delta d{"x", "Hi", ""};
  request_finished f;
  f.request_id = "x";
  f.instance_id = "instance_3";
  inner.events = {a, d, f};
  auto stats = std::make_shared<fleet_stats>();
  observed_gateway g(inner, stats, [&] { return now; });
  int seen = 0;
  g.submit(req("x"), [&](const request_event&) { ++seen; });
  CHECK(seen == 3);
  auto snap = stats->snapshot(now);
  CHECK(snap.requests["success"] == 1);
  CHECK(snap.recent[0].queue_wait_s == doctest::Approx(0.1));
  CHECK(snap.recent[0].ttft_s == doctest::Approx(0.2));
  CHECK(snap.recent[0].duration_s == doctest::Approx(0.3));
  bool restarted = true;
  g.restart("instance_3", [&](bool ok) { restarted = ok; });
  CHECK_FALSE(restarted);  // the inner gateway has no instances to act on
}

TEST_CASE("observed_gateway: an event that comes after it is gone is still counted, safely") {
  std::int64_t now = 1'000;
  holding_gateway inner;
  std::weak_ptr<fleet_stats> watch;
  {
    auto stats = std::make_shared<fleet_stats>();
    watch = stats;
    observed_gateway g(inner, stats, [&] { return now; });
    g.submit(req("late"), {});
  }  // the server that made it (and its counters' owner) is gone
  REQUIRE(inner.held.size() == 1);
  auto stats = watch.lock();
  REQUIRE(static_cast<bool>(stats));  // the callback the inner gateway still holds keeps them
  request_failed f;
  f.request_id = "late";
  inner.held.front()(f);
  CHECK(stats->snapshot(now).requests["error"] == 1);
  stats.reset();
  inner.held.clear();
  CHECK(watch.expired());  // and lets them go with the last callback
}

TEST_CASE("browser_memory_bytes: this test's own process group has memory, pid 0 has none") {
  CHECK(browser_memory_bytes(0) == 0);
  CHECK(browser_memory_bytes(static_cast<int>(getpgrp())) > 0);
}
