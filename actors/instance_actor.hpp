#pragma once
// One actor per auth profile: owns a browser session through its worker
// thread, serves one request at a time, and reports its state to the
// balancer. Restarts, cooldowns and login loss follow instance_state.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/instance_state.hpp"
#include "actors/profile_file.hpp"
#include "actors/screenshots.hpp"
#include "actors/spare_ledger.hpp"
#include "actors/timing.hpp"
#include "actors/types.hpp"
#include "actors/worker.hpp"
#include "browser/session.hpp"

namespace spdlog {
class logger;
}

namespace camoufleet {

struct instance_config {
  std::string id;                 // "instance_1"
  browser::session_options options;   // instance_id / auth_file / base_port already set
  browser::session_factory factory;
  fleet_timing timing;
  caf::actor balancer;
  // Set on a node: `balancer` is the node agent, which forwards the state to
  // the head. The answer and the outcome then go through it too (relay_atom),
  // so they reach the head after the state they left, as they do here.
  bool relay_through_balancer = false;
  // Set: the refreshed session is written back to options.auth_file
  // (periodically when idle, and on a clean stop). Shared with the watcher.
  std::shared_ptr<profile_writes> writes;
  // Set (--spare-browsers): the spare pool a restart after a crash asks
  // for a warm browser (actors/spare_actor.hpp), and whether one fits this
  // instance's browser (spare_fits).
  caf::actor spares;
  bool spare_fits = false;
};

// Shared by the actor and the worker for one request. Once the actor has
// given the request up (crash, hang, stop) the worker sends no more deltas,
// and the actor knows exactly whether any went out: that decides failover,
// so a client never gets text from two instances.
struct job_ticket {
  // Sends a delta unless the job was given up; true if it was sent.
  template <class Send>
  bool send_delta(Send send) {
    std::lock_guard<std::mutex> lock(mu);
    if (abandoned) return false;
    first = !delta_sent;
    delta_sent = true;
    send();
    return true;
  }
  // Gives the job up; returns whether any delta reached the client.
  bool close() {
    std::lock_guard<std::mutex> lock(mu);
    abandoned = true;
    return delta_sent;
  }
  bool any_sent() {
    std::lock_guard<std::mutex> lock(mu);
    return delta_sent;
  }
  // The driver clears its stop flag when generate() begins, so a cancel that
  // lands before that (during new_chat / switch_model) must be kept here.
  void cancel() {
    std::lock_guard<std::mutex> lock(mu);
    cancelled = true;
  }
  bool is_cancelled() {
    std::lock_guard<std::mutex> lock(mu);
    return cancelled;
  }

  std::mutex mu;
  bool delta_sent = false;
  bool abandoned = false;
  bool first = false;  // the last send_delta was the first one
  bool cancelled = false;
};

struct instance_actor_state {
  instance_config cfg;
  instance_state machine;
  instance_view view;
  std::unique_ptr<worker> work;
  std::vector<std::unique_ptr<worker>> retired;  // closing old browsers
  std::uint64_t epoch = 0;                        // one per browser start
  start_cause next_cause = start_cause::first;    // why the next start happens
  std::uint64_t spare_id = 0;                     // the warm spare this start adopts (0: none)
  std::shared_ptr<spdlog::logger> log;
  // The page shows an earlier conversation: clear it before the next prompt.
  // Made per browser start; read and written only by that start's worker
  // (its jobs run one at a time), which clears the chat right after an
  // answer, while the instance idles, so a request rarely waits for it.
  std::shared_ptr<bool> chat_dirty = std::make_shared<bool>(false);

  // The request being served (empty id: none).
  std::string job_id;
  caf::actor job_sink;
  caf::response_promise job_promise;
  std::shared_ptr<job_ticket> job_ticket_;
  std::int64_t job_since_ms = 0;
  std::int64_t start_since_ms = 0;  // when the current browser start began

  std::uint64_t ping_seq = 0;
  bool ping_pending = false;
  // view.served when the page last had a garbage collection
  // (instance_steps::wants_collection).
  int collected_at_served = 0;
  std::int64_t recycle_since_ms = 0;  // when the page's last reload began (read while recycling)
  caf::response_promise stop_promise;
  screenshot_desk shots;  // pictures of the page being taken

  bool removing = false;        // the profile file is gone: drain, close, leave
  bool left = false;
  bool reload_pending = false;  // the profile changed while busy: restart after

  static const char* name;
};

caf::behavior instance_actor(caf::stateful_actor<instance_actor_state>* self,
                             instance_config cfg);

}  // namespace camoufleet
