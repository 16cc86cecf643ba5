// The instance's browser: its start on a fresh worker, what each status
// the machine enters means (restart and cooldown timers, teardown), a crash,
// leaving the fleet, and the health check with its page ping.
#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "actors/instance_steps.hpp"
#include "actors/retry_policy.hpp"

namespace camoufleet::instance_steps {

void publish(self_ptr self) {
  auto& st = self->state;
  st.view.status = st.machine.status();
  st.view.error_count = st.machine.error_count();
  st.view.reason = st.machine.status() == instance_status::needs_login
                       ? needs_login_reason(st.cfg.options.auth_file)
                       : st.machine.reason();
  st.view.until_ms = st.machine.until_ms();
  st.view.current_request_id = st.job_id;
  self->send(st.cfg.balancer, instance_update{st.view});
}

void retire_worker(self_ptr self) {
  auto& st = self->state;
  if (!st.work) return;
  st.work->request_stop();
  st.work->retire();
  st.retired.push_back(std::move(st.work));
  st.view.browser_pid = 0;
}

void reap_retired(self_ptr self) {
  auto& r = self->state.retired;
  r.erase(std::remove_if(r.begin(), r.end(), [](const std::unique_ptr<worker>& w) {
            return w->done();
          }),
          r.end());
}

void begin_start(self_ptr self) {
  auto& st = self->state;
  retire_worker(self);
  reap_retired(self);
  const auto epoch = ++st.epoch;
  if (epoch > 1) ++st.view.restarts;
  st.chat_dirty = std::make_shared<bool>(false);
  st.ping_pending = false;
  st.start_since_ms = unix_ms();
  st.work = std::make_unique<worker>(st.cfg.timing.close_grace);
  st.log->info("Starting browser (port hint: {}, auth file: {})", st.cfg.options.base_port,
               st.view.auth_file.empty() ? "-" : st.view.auth_file);
  if (st.cfg.spares && may_take_spare(st.next_cause, st.cfg.spare_fits)) {
    // A warm spare, if the pool has one ready; a cold start otherwise.
    self->request(st.cfg.spares, st.cfg.timing.ask_timeout, take_spare_atom::value, st.cfg.id)
        .then([self, epoch](std::uint64_t spare) { post_start(self, epoch, spare); },
              [self, epoch](caf::error&) { post_start(self, epoch, 0); });
  } else {
    post_start(self, epoch, 0);
  }
  publish(self);
}

void post_start(self_ptr self, std::uint64_t epoch, std::uint64_t spare_id) {
  auto& st = self->state;
  // Superseded or stopped while the spare pool answered: the spare goes back.
  if (epoch != st.epoch || !st.work || st.machine.status() != instance_status::starting) {
    if (spare_id != 0 && st.cfg.spares) self->send(st.cfg.spares, spare_done_atom::value, spare_id, false);
    return;
  }
  auto addr = self->address();
  auto options = st.cfg.options;
  options.spare_id = spare_id;
  st.spare_id = spare_id;
  auto factory = st.cfg.factory;
  auto writes = st.cfg.writes;
  st.work->post([addr, epoch, options, factory, writes](session_slot& slot) {
    // The version we start from is ours: a refresh may replace it, while a
    // different one comes from someone else (the watcher reloads then).
    if (writes && !options.auth_file.empty()) {
      if (auto text = read_whole_file(options.auth_file))
        writes->record_loaded(options.auth_file, *text);
    }
    auto on_exit = [addr, epoch](const std::string& reason) {
      tell(addr, session_failed{epoch, core::failure_kind::browser_gone, reason,
                                false});
    };
    try {
      auto s = factory(options, on_exit);
      if (!s) throw core::driver_error(core::failure_kind::browser_gone, "no session");
      auto info = s->info();
      std::vector<core::model_info> models;
      try {
        models = s->page().models();
      } catch (const std::exception& e) {
        spdlog::warn("{}: reading the model list failed: {}", options.instance_id, e.what());
      }
      slot.set(std::move(s));
      tell(addr, session_started{epoch, info.port, info.pid, info.ws_endpoint, std::move(models)});
    } catch (const core::driver_error& e) {
      tell(addr, session_failed{epoch, e.kind(), e.what(), true});
    } catch (const std::exception& e) {
      tell(addr, session_failed{epoch, core::failure_kind::browser_gone,
                                e.what(), true});
    }
  });
}

void spare_settled(self_ptr self) {
  auto& st = self->state;
  if (st.spare_id == 0 || !st.cfg.spares) return;
  self->send(st.cfg.spares, spare_done_atom::value, st.spare_id, true);
  st.spare_id = 0;
}

void follow_status(self_ptr self) {
  auto& st = self->state;
  switch (st.machine.status()) {
    case instance_status::error: {
      retire_worker(self);
      if (st.machine.waiting_for_profile()) {
        st.log->error("Auth profile {} is broken: {}; this instance stays in error until the "
                      "file is fixed or replaced",
                      st.view.auth_file.empty() ? "-" : st.view.auth_file, st.machine.reason());
        break;
      }
      // Whatever put it here (a browser gone under a request, a failed
      // start, a crash), the restart may take a warm spare.
      st.next_cause = start_cause::crash;
      auto delay = until_from_now(st.machine.until_ms());
      st.log->warn("Error ({}), restart #{} in {} ms", st.machine.reason(),
                   st.machine.consecutive_errors(), delay.count());
      self->delayed_send(self, delay, restart_atom::value, st.epoch);
      break;
    }
    case instance_status::cooldown: {
      auto delay = until_from_now(st.machine.until_ms());
      st.log->warn("Cooling down for {} s ({})", delay.count() / 1000, st.machine.reason());
      self->delayed_send(self, delay, cool_atom::value, st.epoch);
      break;
    }
    case instance_status::needs_login:
      st.log->error("Login lost ({}): {}", st.machine.reason(),
                    needs_login_reason(st.cfg.options.auth_file));
      retire_worker(self);
      break;
    default:
      break;
  }
  publish(self);
}

void leave(self_ptr self) {
  auto& st = self->state;
  if (st.left) return;
  st.left = true;
  auto addr = self->address();
  auto epoch = st.epoch;
  if (st.work) {
    auto grace = st.cfg.timing.close_grace;
    st.work->post([addr, epoch, grace](session_slot& slot) {
      if (auto sess = slot.take()) {
        try {
          sess->close(grace);
        } catch (const std::exception& e) {
          spdlog::warn("closing a session failed: {}", e.what());
        }
      }
      tell(addr, remove_atom::value, epoch);
    });
    // A hung worker never answers: leave anyway.
    self->delayed_send(self, grace + std::chrono::seconds(5), remove_atom::value, epoch);
  } else {
    self->send(self, remove_atom::value, epoch);
  }
}

void on_crash(self_ptr self, const std::string& reason, const char* kind) {
  auto& st = self->state;
  const auto now = unix_ms();
  st.next_cause = start_cause::crash;
  ++st.view.errors[kind];
  if (!st.job_id.empty()) {
    auto o = outcome_for(st, st.job_id);
    o.code = error_code::browser_gone;
    o.message = reason;
    o.delta_sent = st.job_ticket_ && st.job_ticket_->close();
    finish_job(self, std::move(o));
  }
  if (st.removing) {
    leave(self);
    return;
  }
  if (st.machine.apply({instance_event_kind::crashed, core::failure_kind::browser_gone, reason},
                        now)) {
    follow_status(self);
  }
  // A restart for a changed profile supersedes the backoff restart.
  after_job(self);
}

namespace {

// On the worker: a full garbage collection in the session's page, logged;
// a failure only logged (a broken browser shows at the next call).
void collect_in(browser::session* s, const std::shared_ptr<spdlog::logger>& log,
                std::chrono::milliseconds timeout) {
  if (s == nullptr) return;
  try {
    const auto h = s->collect_garbage(timeout);
    if (h.done)
      log->debug("Page heap {:.1f} MB, {:.1f} MB after a garbage collection",
                 static_cast<double>(h.before_bytes) / 1048576.0,
                 static_cast<double>(h.after_bytes) / 1048576.0);
  } catch (const std::exception& e) {
    log->debug("Garbage collection in the page failed: {}", e.what());
  }
}

// Asks the page for a sign of life through the worker: ping_done comes
// back, or ping_late_atom when the worker is stuck.
void post_ping(self_ptr self) {
  auto& st = self->state;
  auto addr = self->address();
  auto epoch = st.epoch;
  auto seq = ++st.ping_seq;
  auto timeout = st.cfg.timing.ping_timeout;
  st.ping_pending = true;
  const bool collect = wants_collection(st.view.served, st.collected_at_served, true);
  if (collect) st.collected_at_served = st.view.served;
  auto log = st.log;
  st.work->post([=](session_slot& slot) {
    bool ok = false;
    auto* s = slot.get();
    try {
      if (s != nullptr) ok = s->page().ping(timeout);
    } catch (const std::exception&) {
      ok = false;
    }
    if (ok && collect) collect_in(s, log, timeout);
    tell(addr, ping_done{epoch, seq, ok});
  });
  // A worker stuck inside a call never answers at all: catch that too.
  self->delayed_send(self, timeout * 2 + std::chrono::milliseconds(500), ping_late_atom::value,
                     epoch, seq);
}

}  // namespace

bool wants_collection(int served, int collected_at_served, bool idle) {
  const int since = served - collected_at_served;
  return idle ? since > 0 : since >= collections_every;
}

void collect_if_due(self_ptr self) {
  auto& st = self->state;
  if (!st.work || !wants_collection(st.view.served, st.collected_at_served, false)) return;
  st.collected_at_served = st.view.served;
  auto log = st.log;
  auto timeout = st.cfg.timing.ping_timeout;
  st.work->post([=](session_slot& slot) { collect_in(slot.get(), log, timeout); });
}

void health_check(self_ptr self) {
  auto& st = self->state;
  const auto now = unix_ms();
  reap_retired(self);
  switch (st.machine.status()) {
    case instance_status::ready:
      if (!st.ping_pending && st.work) post_ping(self);
      break;
    case instance_status::busy: {
      // generate() has its own deadline; this only catches a driver that
      // ignores it.
      auto limit = st.cfg.timing.request_timeout + 2 * st.cfg.timing.page_timeout +
                   st.cfg.timing.ping_timeout;
      if (now - st.job_since_ms > limit.count()) on_crash(self, "request overran its deadline", "overran");
      break;
    }
    case instance_status::starting:
      // Each stage of a start has its own deadline; this catches one that
      // ignores it (a launch that never returns). The stuck worker is
      // retired: whatever it still brings up is closed, never used.
      if (st.start_since_ms > 0 && now - st.start_since_ms > st.cfg.timing.start_timeout.count()) {
        const auto reason = "browser start overran its deadline of " +
                            std::to_string(st.cfg.timing.start_timeout.count() / 1000) + " s";
        st.log->error("Browser failed to start (timeout): {}; abandoning it", reason);
        retire_worker(self);
        ++st.epoch;  // its late session_started / session_failed are ignored
        if (st.machine.apply({instance_event_kind::start_failed, core::failure_kind::timeout, reason},
                             now))
          follow_status(self);
      }
      break;
    case instance_status::error:
      // Backs up the restart timer (e.g. lost across a clock jump).
      if (st.machine.apply({instance_event_kind::restart, {}, {}}, now)) begin_start(self);
      break;
    case instance_status::cooldown:
      if (st.machine.apply({instance_event_kind::tick, {}, {}}, now)) {
        st.log->info("Cooldown over, ready");
        publish(self);
      }
      break;
    case instance_status::recycling:
      check_recycle_overrun(self, now);
      break;
    default:
      break;
  }
}

}  // namespace camoufleet::instance_steps
