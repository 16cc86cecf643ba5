#pragma once
// Shared pieces of the actor tests: a fleet over fake sessions with tiny
// durations, and a thread-safe collector of request events.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "actors/fleet.hpp"
#include "fake_session.hpp"

namespace camoufleet::testing {

inline fleet_options small_fleet_options(int instances) {
  fleet_options o;
  o.multi = true;
  for (int i = 1; i <= instances; ++i)
    o.auth_files.push_back("/nonexistent/profile_" + std::to_string(i) + ".json");
  o.base.base_port = 9222;
  o.timing.monitor_interval = std::chrono::hours(1);  // tests run rounds by hand
  o.timing.request_timeout = 10s;
  o.timing.queue_timeout = 10s;
  o.timing.rate_limit_cooldown = 300ms;
  o.timing.quota_cooldown = 300ms;
  o.timing.backoff_initial = 100ms;
  o.timing.backoff_max = 400ms;
  o.timing.ping_timeout = 200ms;
  o.timing.page_timeout = 2s;
  o.timing.close_grace = 200ms;
  o.timing.ask_timeout = 2s;
  o.queue_limit = 10;
  o.max_retries = 2;
  o.scheduler_threads = 2;
  return o;
}

inline completion_request make_request(const std::string& id, const std::string& prompt = "hi",
                                       const std::string& model = "") {
  completion_request r;
  r.id = id;
  r.messages.push_back({"user", prompt});
  r.params.model = model;
  r.stream = true;
  return r;
}

// Polls cond until it holds or the deadline passes (for state that is only
// visible through a query, like the fleet view).
template <class Cond>
bool eventually(Cond cond, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

// Calls ask(callback) and waits (with a deadline) for the one answer of type
// T it delivers, from whatever thread.
template <class T, class Ask>
T answer_from(Ask ask, std::chrono::milliseconds timeout = 10s) {
  auto mu = std::make_shared<std::mutex>();
  auto got = std::make_shared<std::optional<T>>();
  ask([mu, got](const T& v) {
    std::lock_guard<std::mutex> lock(*mu);
    *got = v;
  });
  REQUIRE(eventually(
      [&] {
        std::lock_guard<std::mutex> lock(*mu);
        return got->has_value();
      },
      timeout));
  std::lock_guard<std::mutex> lock(*mu);
  return **got;
}

class collector {
 public:
  std::function<void(const request_event&)> sink(const std::string& id) {
    return [this, id](const request_event& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_[id].push_back(e);
      cv_.notify_all();
    };
  }
  // Waits for the request's last event (finished or failed).
  bool wait_done(const std::string& id, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return done_locked(id); });
  }
  template <class T>
  bool wait_for(const std::string& id, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto& e : events_[id])
        if (std::holds_alternative<T>(e)) return true;
      return false;
    });
  }
  std::vector<request_event> events(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return events_[id];
  }
  template <class T>
  std::vector<T> all(const std::string& id) {
    std::vector<T> out;
    for (const auto& e : events(id))
      if (auto* x = std::get_if<T>(&e)) out.push_back(*x);
    return out;
  }
  int terminal_count(const std::string& id) {
    int n = 0;
    for (const auto& e : events(id))
      if (std::holds_alternative<request_finished>(e) || std::holds_alternative<request_failed>(e))
        ++n;
    return n;
  }

 private:
  bool done_locked(const std::string& id) {
    auto it = events_.find(id);
    if (it == events_.end() || it->second.empty()) return false;
    const auto& last = it->second.back();
    return std::holds_alternative<request_finished>(last) ||
           std::holds_alternative<request_failed>(last);
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<request_event>> events_;
};

// A started fleet of fakes; the world outlives it (declared first).
struct fleet_fixture {
  explicit fleet_fixture(int instances, std::function<void(fleet_options&)> tweak = {},
                         std::function<void(fake_world&)> script = {}) {
    auto o = small_fleet_options(instances);
    if (tweak) tweak(o);
    if (script) script(world);
    f = std::make_unique<fleet>(o, world.factory());
    f->start();
  }
  ~fleet_fixture() { f->shutdown(1s); }

  instance_view view_of(const std::string& id) {
    for (auto& v : f->snapshot(2s).instances)
      if (v.id == id) return v;
    return {};
  }
  instance_status status_of(const std::string& id) { return view_of(id).status; }

  fake_world world;
  collector events;
  std::unique_ptr<fleet> f;
};

// The instance a request was last assigned to ("" if none yet).
inline std::string assigned_to(collector& c, const std::string& id) {
  auto a = c.all<request_assigned>(id);
  return a.empty() ? std::string() : a.back().instance_id;
}

}  // namespace camoufleet::testing
