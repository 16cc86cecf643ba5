#pragma once
// The life of one browser instance as a pure state machine: events and a
// `now` in, a new status out. The instance actor feeds it and acts on the
// result (schedules restarts, cooldown ends); nothing here sleeps or sends.

#include <cstdint>
#include <string>

#include "actors/timing.hpp"
#include "actors/types.hpp"
#include "core/chat.hpp"

namespace camoufleet {

enum class instance_event_kind {
  started,       // browser up, page open: starting -> ready
  start_failed,  // starting -> error / cooldown / needs_login (by failure)
  assigned,      // ready -> busy
  finished,      // busy -> ready; resets the backoff
  failed,        // busy -> ready / error / cooldown / needs_login (by failure)
  crashed,       // browser exited or hung: -> error
  restart,       // error -> starting, once the backoff has passed
  tick,          // cooldown -> ready once it has passed
  new_profile,   // any but busy / stopping -> starting: the profile file changed
  recycle,       // ready -> recycling: its chat page is loaded afresh (not routed meanwhile)
  recycled,      // recycling -> ready
  recycle_failed,  // recycling -> error / needs_login (by failure): the page is in doubt
  stop,          // anything -> stopping
};

struct instance_event {
  instance_event_kind kind;
  core::failure_kind failure = core::failure_kind::site_error;  // for failed / start_failed
  std::string reason;
};

class instance_state {
 public:
  explicit instance_state(fleet_timing timing = {}) : timing_(timing) {}

  // Applies e at now_ms. Returns false (and changes nothing) when e is not
  // valid in the current status, or for a tick that changes nothing.
  bool apply(const instance_event& e, std::int64_t now_ms);

  instance_status status() const { return status_; }
  int error_count() const { return error_count_; }
  int consecutive_errors() const { return consecutive_errors_; }
  // Restart time in error, cooldown end in cooldown; 0 otherwise.
  std::int64_t until_ms() const { return until_ms_; }
  const std::string& reason() const { return reason_; }
  // In error because the profile file is broken: no timed restart, only a
  // new_profile (the file changed) starts it again.
  bool waiting_for_profile() const { return waiting_for_profile_; }
  // Delay before the next restart: initial * 2^(consecutive-1), capped.
  std::int64_t backoff_ms() const;

 private:
  // Where a failure of the page or the browser leaves the instance.
  void on_failure(core::failure_kind kind, const std::string& reason, std::int64_t now_ms);
  void enter_error(const std::string& reason, std::int64_t now_ms);

  fleet_timing timing_;
  instance_status status_ = instance_status::starting;
  int error_count_ = 0;
  int consecutive_errors_ = 0;
  int consecutive_site_errors_ = 0;
  std::int64_t until_ms_ = 0;
  std::string reason_;
  bool waiting_for_profile_ = false;
};

}  // namespace camoufleet
