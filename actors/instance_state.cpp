#include "actors/instance_state.hpp"

#include <algorithm>

namespace camoufleet {

using st = instance_status;

std::int64_t instance_state::backoff_ms() const {
  // The first failure after a healthy spell restarts at once: a single crash
  // is the common case and every second of it is a second of lost capacity.
  // Only a failure that repeats backs off (initial, then doubling, capped).
  if (consecutive_errors_ <= 1) return 0;
  const std::int64_t initial = timing_.backoff_initial.count();
  const std::int64_t cap = timing_.backoff_max.count();
  std::int64_t delay = initial;
  for (int i = 2; i < consecutive_errors_ && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

void instance_state::enter_error(const std::string& reason, std::int64_t now_ms) {
  ++error_count_;
  ++consecutive_errors_;
  status_ = st::error;
  reason_ = reason;
  until_ms_ = now_ms + backoff_ms();
}

void instance_state::on_failure(core::failure_kind kind, const std::string& reason,
                                std::int64_t now_ms) {
  using fk = core::failure_kind;
  switch (kind) {
    case fk::cancelled:
      status_ = st::ready;  // the client gave up; the page is fine
      return;
    case fk::rate_limited:
    case fk::quota_exceeded:
      status_ = st::cooldown;
      reason_ = reason;
      until_ms_ = now_ms + (kind == fk::quota_exceeded ? timing_.quota_cooldown
                                                       : timing_.rate_limit_cooldown)
                               .count();
      return;
    case fk::invalid_profile:
      // A broken file is an error of this instance, not a lost login; the
      // same file would fail the same way, so only a change of it restarts.
      ++error_count_;
      status_ = st::error;
      reason_ = reason;
      until_ms_ = 0;
      waiting_for_profile_ = true;
      return;
    case fk::login_lost:
      // Restarting with the same profile would fail the same way: wait for a
      // new one instead of looping.
      ++error_count_;
      status_ = st::needs_login;
      reason_ = reason;
      until_ms_ = 0;
      return;
    case fk::site_error:
      // One odd page is not worth a browser restart; a run of them is.
      ++consecutive_site_errors_;
      if (consecutive_site_errors_ >= timing_.site_error_restart_threshold) {
        consecutive_site_errors_ = 0;
        enter_error(reason, now_ms);
      } else {
        ++error_count_;
        status_ = st::ready;
        reason_ = reason;
      }
      return;
    case fk::timeout:
    case fk::browser_gone:
      enter_error(reason, now_ms);
      return;
  }
}

bool instance_state::apply(const instance_event& e, std::int64_t now_ms) {
  using k = instance_event_kind;
  switch (e.kind) {
    case k::started:
      if (status_ != st::starting) return false;
      status_ = st::ready;
      until_ms_ = 0;
      return true;
    case k::start_failed:
      if (status_ != st::starting) return false;
      if (e.failure == core::failure_kind::cancelled) {
        enter_error(e.reason, now_ms);
      } else if (e.failure == core::failure_kind::rate_limited ||
                 e.failure == core::failure_kind::quota_exceeded) {
        // No browser to keep while cooling: wait out the cooldown in error,
        // then start afresh (a cooldown would come back "ready" with no page).
        enter_error(e.reason, now_ms);
        until_ms_ = now_ms + (e.failure == core::failure_kind::quota_exceeded
                                  ? timing_.quota_cooldown
                                  : timing_.rate_limit_cooldown)
                                 .count();
      } else {
        on_failure(e.failure, e.reason, now_ms);
        // A browser that did not come up has nothing to be "ready" with.
        if (status_ == st::ready) enter_error(e.reason, now_ms);
      }
      return true;
    case k::assigned:
      if (status_ != st::ready) return false;
      status_ = st::busy;
      return true;
    case k::finished:
      if (status_ != st::busy) return false;
      status_ = st::ready;
      consecutive_errors_ = 0;
      consecutive_site_errors_ = 0;
      reason_.clear();
      return true;
    case k::failed:
      if (status_ != st::busy) return false;
      on_failure(e.failure, e.reason, now_ms);
      return true;
    case k::crashed:
      if (status_ != st::starting && status_ != st::ready && status_ != st::busy &&
          status_ != st::cooldown && status_ != st::recycling)
        return false;
      enter_error(e.reason, now_ms);
      return true;
    case k::restart:
      if (status_ != st::error || waiting_for_profile_ || now_ms < until_ms_) return false;
      status_ = st::starting;
      until_ms_ = 0;
      return true;
    case k::tick:
      if (status_ != st::cooldown || now_ms < until_ms_) return false;
      status_ = st::ready;
      until_ms_ = 0;
      reason_.clear();
      return true;
    case k::new_profile:
      if (status_ == st::busy || status_ == st::stopping) return false;
      status_ = st::starting;
      waiting_for_profile_ = false;
      consecutive_errors_ = 0;
      until_ms_ = 0;
      reason_.clear();
      return true;
    case k::recycle:
      if (status_ != st::ready) return false;
      status_ = st::recycling;
      return true;
    case k::recycled:
      if (status_ != st::recycling) return false;
      status_ = st::ready;
      return true;
    case k::recycle_failed:
      if (status_ != st::recycling) return false;
      // A page that did not load again is not one to serve from (nor to wait
      // out a cooldown in): restart it, unless the login or the file is gone.
      if (e.failure == core::failure_kind::login_lost ||
          e.failure == core::failure_kind::invalid_profile)
        on_failure(e.failure, e.reason, now_ms);
      else
        enter_error(e.reason, now_ms);
      return true;
    case k::stop:
      if (status_ == st::stopping) return false;
      status_ = st::stopping;
      return true;
  }
  return false;
}

}  // namespace camoufleet
