#pragma once
// A scripted gateway behind the real interface: every submitted request plays
// a list of (delay, event) steps on the fake's own worker thread, so events
// arrive from a foreign thread with real gaps, as from the actors.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "actors/gateway.hpp"

namespace camoufleet::testing {

struct script_step {
  std::chrono::milliseconds delay{0};  // after the previous step
  request_event event;                 // request_id is filled in by the fake
};

class fake_gateway : public gateway {
 public:
  using script_fn = std::function<std::vector<script_step>(const completion_request&)>;

  fake_gateway();
  ~fake_gateway() override;

  void set_script(script_fn fn);
  void set_fleet(fleet_view v);
  void set_models(std::vector<core::model_info> m);
  // Deliver submit's events synchronously inside submit() (no delays).
  void set_synchronous(bool yes);
  // fleet() and models() never call back (a hung actor system).
  void set_unresponsive(bool yes);

  void submit(completion_request request,
              std::function<void(const request_event&)> on_event) override;
  void cancel(const std::string& request_id, std::function<void(bool)> on_done) override;
  void fleet(std::function<void(const fleet_view&)> on_view) override;
  void models(std::function<void(const std::vector<core::model_info>&)> on_models) override;
  // Known ids (in the fleet view) answer true; restarts are recorded,
  // rotation changes show in the view.
  void restart(const std::string& instance_id, std::function<void(bool)> on_done) override;
  void set_rotation(const std::string& instance_id, bool in_rotation,
                    std::function<void(bool)> on_done) override;
  // ok (a fake PNG naming the id) for a ready or busy instance, no_page for
  // the others, unknown_instance for an unknown id.
  void screenshot(const std::string& instance_id,
                  std::function<void(const screenshot_reply&)> on_reply) override;
  std::vector<std::string> restarted() const;

  std::vector<completion_request> submitted() const;
  std::vector<std::string> cancelled() const;
  bool was_cancelled(const std::string& id) const;
  std::size_t active() const;

 private:
  struct job {
    std::chrono::steady_clock::time_point at;
    std::uint64_t seq;
    std::function<void()> run;
    bool operator>(const job& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  void post(std::chrono::steady_clock::time_point at, std::function<void()> fn);
  void loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<job, std::vector<job>, std::greater<job>> jobs_;
  std::uint64_t seq_ = 0;
  bool stop_ = false;
  bool synchronous_ = false;
  bool unresponsive_ = false;
  script_fn script_;
  fleet_view fleet_;
  std::vector<core::model_info> models_;
  std::vector<completion_request> submitted_;
  std::vector<std::string> cancelled_;
  std::vector<std::string> restarted_;
  // Requests still playing: id -> generation (a cancel bumps nothing, it erases).
  std::map<std::string, std::function<void(const request_event&)>> active_;
  std::thread worker_;
};

}  // namespace camoufleet::testing
