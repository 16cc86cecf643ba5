#include "actors/instance_actor.hpp"

#include <algorithm>
#include <utility>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "actors/retry_policy.hpp"

namespace camoufleet {

const char* instance_actor_state::name = "instance";

namespace {

using self_ptr = caf::stateful_actor<instance_actor_state>*;

// Sends from a worker thread back to the actor, if it still exists.
template <class... Ts>
void tell(const caf::actor_addr& addr, Ts&&... xs) {
  if (auto dest = caf::actor_cast<caf::actor>(addr)) caf::anon_send(dest, std::forward<Ts>(xs)...);
}

std::chrono::milliseconds until_from_now(std::int64_t until_ms) {
  return std::chrono::milliseconds(std::max<std::int64_t>(0, until_ms - unix_ms()));
}

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

// Walks away from the current browser: its worker closes it in the
// background while a fresh worker can start the next one.
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
  st.page_used = false;
  st.ping_pending = false;
  st.start_since_ms = unix_ms();
  st.work = std::make_unique<worker>(st.cfg.timing.close_grace);
  st.log->info("Starting browser (port hint: {}, auth file: {})", st.cfg.options.base_port,
               st.view.auth_file.empty() ? "-" : st.view.auth_file);
  auto addr = self->address();
  auto options = st.cfg.options;
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
  publish(self);
}

// Acts on the status the machine just entered: timers and browser teardown.
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

job_outcome outcome_for(const instance_actor_state& st, const std::string& request_id) {
  job_outcome o;
  o.request_id = request_id;
  o.instance_id = st.cfg.id;
  return o;
}

void finish_job(self_ptr self, job_outcome o) {
  auto& st = self->state;
  if (st.job_promise.pending()) st.job_promise.deliver(std::move(o));
  st.job_id.clear();
  st.job_sink = nullptr;
  st.job_promise = caf::response_promise{};
  st.job_ticket_.reset();
  st.view.current_request_id.clear();
}

// Closes the browser through the worker, then tells the balancer to forget
// this instance and quits (remove_atom with the epoch comes back).
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

// Runs what waited for the current request to end: leaving after the
// profile was removed, restarting after it changed.
void after_job(self_ptr self) {
  auto& st = self->state;
  if (!st.job_id.empty()) return;
  if (st.removing) {
    leave(self);
    return;
  }
  if (st.reload_pending) {
    st.reload_pending = false;
    if (st.machine.apply({instance_event_kind::new_profile, {}, {}}, unix_ms())) {
      st.log->info("Profile {} changed: starting again with it", st.view.auth_file);
      begin_start(self);
    }
  }
}

// Reads the session from the browser and writes it to the profile file when
// decide_refresh says so. Runs on the worker thread; logs, never throws.
worker::job save_job(self_ptr self) {
  auto& st = self->state;
  auto path = st.cfg.options.auth_file;
  auto writes = st.cfg.writes;
  auto log = st.log;
  auto file = st.view.auth_file;
  return [path, writes, log, file](session_slot& slot) {
    auto* s = slot.get();
    if (s == nullptr || !writes || path.empty()) return;
    std::string json;
    try {
      json = s->page().storage_state();
    } catch (const std::exception& e) {
      log->warn("Reading the session for {} failed: {}", file, e.what());
      return;
    }
    auto current = read_whole_file(path);
    if (current && !writes->is_known(path, *current)) {
      // Someone else put a new session there: it wins (the watcher reloads).
      log->info("Not writing {}: it was changed by someone else", file);
      return;
    }
    auto d = decide_refresh(json, current);
    if (!d.write) {
      log->debug("Not writing {}: {}", file, d.why);
      return;
    }
    writes->record_written(path, d.content);
    auto err = write_file_atomic(path, d.content);
    if (!err.empty()) {
      writes->forget(path);
      if (current) writes->record_loaded(path, *current);
      log->warn("Writing the refreshed session to {} failed: {}", file, err);
      return;
    }
    log->info("Refreshed session written to {}", file);
  };
}

bool writes_back(const instance_actor_state& st) {
  return st.cfg.writes && !st.cfg.options.auth_file.empty();
}

// The browser went away or stopped answering: hand back / fail the current
// request, then restart with backoff.
void on_crash(self_ptr self, const std::string& reason, const char* kind) {
  auto& st = self->state;
  const auto now = unix_ms();
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

void post_generation(self_ptr self, const run_job& job) {
  auto& st = self->state;
  auto addr = self->address();
  auto epoch = st.epoch;
  auto sink = job.sink;
  auto request = job.request;
  auto ticket = st.job_ticket_;
  auto timing = st.cfg.timing;
  auto id = st.cfg.id;
  const bool fresh_chat = st.page_used;
  st.page_used = true;
  st.work->post([=](session_slot& slot) {
    const auto& rid = request.id;
    try {
      auto* s = slot.get();
      if (s == nullptr) throw core::driver_error(core::failure_kind::browser_gone, "no browser");
      auto& page = s->page();
      if (fresh_chat) page.new_chat(timing.page_timeout);
      const auto& wanted = request.params.model;
      // generate() switches the model when the page is on another one (and
      // checks it in the same page round trip as the Run click when not).
      if (ticket->is_cancelled())
        throw core::driver_error(core::failure_kind::cancelled, "cancelled before the answer began");
      bool stop_sent = false;
      auto result = page.generate(
          request.messages, request.params,
          [&](const core::delta& d) {
            // A cancel that raced generate() clearing its stop flag.
            if (!stop_sent && ticket->is_cancelled()) {
              stop_sent = true;
              page.request_stop();
            }
            bool sent = ticket->send_delta(
                [&] { caf::anon_send(sink, request_delta{rid, d.content, d.reasoning}); });
            if (sent && ticket->first) tell(addr, first_delta{rid, id});
          },
          timing.request_timeout);
      std::string model = wanted;
      if (model.empty()) {
        try {
          model = page.current_model();
        } catch (const std::exception&) {
          // the answer is complete; an unknown model name is not worth failing it
        }
      }
      tell(addr, generation_done{epoch, rid, std::move(result), std::move(model)});
    } catch (const core::driver_error& e) {
      tell(addr, generation_failed{epoch, rid, e.kind(), e.what(), ticket->any_sent()});
    } catch (const std::exception& e) {
      tell(addr, generation_failed{epoch, rid, core::failure_kind::site_error,
                                   e.what(), ticket->any_sent()});
    }
  });
}

void post_ping(self_ptr self) {
  auto& st = self->state;
  auto addr = self->address();
  auto epoch = st.epoch;
  auto seq = ++st.ping_seq;
  auto timeout = st.cfg.timing.ping_timeout;
  st.ping_pending = true;
  st.work->post([=](session_slot& slot) {
    bool ok = false;
    try {
      if (auto* s = slot.get()) ok = s->page().ping(timeout);
    } catch (const std::exception&) {
      ok = false;
    }
    tell(addr, ping_done{epoch, seq, ok});
  });
  // A worker stuck inside a call never answers at all: catch that too.
  self->delayed_send(self, timeout * 2 + std::chrono::milliseconds(500), ping_late_atom::value,
                     epoch, seq);
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
    default:
      break;
  }
}

}  // namespace

caf::behavior instance_actor(caf::stateful_actor<instance_actor_state>* self,
                             instance_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.cfg.options.instance_id = st.cfg.id;
  st.machine = instance_state(st.cfg.timing);
  st.log = spdlog::default_logger()->clone(st.cfg.id);
  st.view.id = st.cfg.id;
  st.view.port = st.cfg.options.base_port;
  auto slash = st.cfg.options.auth_file.find_last_of('/');
  st.view.auth_file = slash == std::string::npos ? st.cfg.options.auth_file
                                                 : st.cfg.options.auth_file.substr(slash + 1);
  st.view.ws_endpoint = st.cfg.options.ws_endpoint;
  const auto& path = st.cfg.options.browser_path;
  st.view.browser = path.substr(path.find_last_of('/') == std::string::npos
                                    ? 0
                                    : path.find_last_of('/') + 1);
  self->set_default_handler(caf::drop);
  // Registering first means the balancer knows us before any state update
  // (messages from one sender arrive in order).
  self->send(st.cfg.balancer, register_atom::value, st.cfg.id, caf::actor_cast<caf::actor>(self));
  begin_start(self);
  if (writes_back(st) && st.cfg.timing.refresh_interval.count() > 0)
    self->delayed_send(self, st.cfg.timing.refresh_interval, refresh_atom::value);
  return {
    [=](session_started& m) {
      auto& s = self->state;
      if (m.epoch != s.epoch) return;
      if (!s.machine.apply({instance_event_kind::started, {}, {}}, unix_ms())) return;
      if (m.port > 0) s.view.port = m.port;
      s.view.ws_endpoint = m.ws_endpoint;
      s.view.browser_pid = m.pid;
      s.log->info("Ready (port: {}, {} models)", s.view.port, m.models.size());
      if (!m.models.empty())
        self->send(s.cfg.balancer, instance_models{s.cfg.id, std::move(m.models)});
      publish(self);
    },
    [=](session_failed& m) {
      auto& s = self->state;
      if (m.epoch != s.epoch) return;
      auto kind = m.failure;
      if (!m.on_start) {
        s.log->warn("Browser gone: {}", m.message);
        on_crash(self, "browser gone: " + m.message, "browser_gone");
        return;
      }
      // A broken profile gets its own single line from follow_status.
      ++s.view.errors[std::string("start_") + retry::name_of(kind)];
      if (kind != core::failure_kind::invalid_profile)
        s.log->error("Browser failed to start ({}): {}", retry::name_of(kind), m.message);
      if (s.machine.apply({instance_event_kind::start_failed, kind, m.message}, unix_ms()))
        follow_status(self);
    },
    [=](run_job& job) -> caf::result<job_outcome> {
      auto& s = self->state;
      if (s.machine.status() != instance_status::ready || !s.job_id.empty() || !s.work) {
        auto o = outcome_for(s, job.request.id);
        o.handed_back = true;
        o.code = error_code::no_instances;
        o.message = std::string("instance is ") + to_string(s.machine.status());
        return o;
      }
      const auto now = unix_ms();
      s.machine.apply({instance_event_kind::assigned, {}, {}}, now);
      s.job_id = job.request.id;
      s.job_sink = job.sink;
      s.job_ticket_ = std::make_shared<job_ticket>();
      s.job_since_ms = now;
      s.view.last_used_ms = now;
      s.log->info("Serving request {}", s.job_id);
      auto rp = self->make_response_promise();
      s.job_promise = rp;
      post_generation(self, job);
      publish(self);
      return rp;
    },
    [=](first_delta& m) {
      auto& s = self->state;
      if (m.request_id == s.job_id) self->send(s.cfg.balancer, std::move(m));
    },
    [=](generation_done& m) {
      auto& s = self->state;
      if (m.epoch != s.epoch || m.request_id != s.job_id) return;
      request_finished fin{m.request_id,        s.cfg.id,
                           m.model,             std::move(m.result.content),
                           std::move(m.result.reasoning), std::move(m.result.finish_reason),
                           m.result.prompt_tokens, m.result.completion_tokens,
                           m.result.reasoning_tokens,
                           std::move(m.result.tool_calls)};
      self->send(s.job_sink, std::move(fin));
      auto o = outcome_for(s, m.request_id);
      o.ok = true;
      o.delta_sent = s.job_ticket_ && s.job_ticket_->close();
      finish_job(self, std::move(o));
      ++s.view.served;
      s.machine.apply({instance_event_kind::finished, {}, {}}, unix_ms());
      s.log->info("Request {} done", m.request_id);
      publish(self);
      after_job(self);
    },
    [=](generation_failed& m) {
      auto& s = self->state;
      if (m.epoch != s.epoch || m.request_id != s.job_id) return;
      auto kind = m.failure;
      auto o = outcome_for(s, m.request_id);
      o.code = retry::code_of(kind);
      o.message = m.message;
      o.delta_sent = m.delta_sent || (s.job_ticket_ && s.job_ticket_->close());
      if (kind == core::failure_kind::rate_limited || kind == core::failure_kind::quota_exceeded) {
        auto cool = kind == core::failure_kind::quota_exceeded ? s.cfg.timing.quota_cooldown
                                                               : s.cfg.timing.rate_limit_cooldown;
        o.retry_after_s = static_cast<int>(
            std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(cool).count()));
      }
      s.log->warn("Request {} failed ({}): {}", m.request_id, retry::name_of(kind), m.message);
      if (kind != core::failure_kind::cancelled) ++s.view.errors[retry::name_of(kind)];
      finish_job(self, std::move(o));
      s.machine.apply({instance_event_kind::failed, kind, m.message}, unix_ms());
      follow_status(self);
      after_job(self);
    },
    [=](cancel_atom, const std::string& request_id) -> bool {
      auto& s = self->state;
      if (request_id.empty() || request_id != s.job_id || !s.work) return false;
      s.log->info("Cancelling request {}", request_id);
      if (s.job_ticket_) s.job_ticket_->cancel();
      s.work->request_stop();
      return true;
    },
    [=](restart_atom, std::uint64_t epoch) {
      auto& s = self->state;
      if (epoch != s.epoch || s.machine.status() != instance_status::error) return;
      if (s.machine.apply({instance_event_kind::restart, {}, {}}, unix_ms())) {
        begin_start(self);
      } else {
        self->delayed_send(self, until_from_now(s.machine.until_ms()), restart_atom::value, epoch);
      }
    },
    [=](cool_atom, std::uint64_t epoch) {
      auto& s = self->state;
      if (epoch != s.epoch) return;
      if (s.machine.apply({instance_event_kind::tick, {}, {}}, unix_ms())) {
        s.log->info("Cooldown over, ready");
        publish(self);
      } else if (s.machine.status() == instance_status::cooldown) {
        self->delayed_send(self, until_from_now(s.machine.until_ms()), cool_atom::value, epoch);
      }
    },
    [=](health_atom) { health_check(self); },
    [=](ping_done& m) {
      auto& s = self->state;
      if (m.epoch != s.epoch || m.seq != s.ping_seq || !s.ping_pending) return;
      s.ping_pending = false;
      if (!m.ok) {
        s.log->warn("Page did not answer a ping");
        on_crash(self, "page did not answer a ping", "ping_failed");
      }
    },
    [=](ping_late_atom, std::uint64_t epoch, std::uint64_t seq) {
      auto& s = self->state;
      if (epoch != s.epoch || seq != s.ping_seq || !s.ping_pending) return;
      s.ping_pending = false;
      s.log->warn("Browser worker is hung (no ping answer)");
      on_crash(self, "browser hung: no answer to a ping", "hung");
    },
    [=](reload_atom) -> bool {
      auto& s = self->state;
      if (s.removing || s.machine.status() == instance_status::stopping) return false;
      if (!s.job_id.empty()) {
        s.log->info("Profile {} changed: restarting after request {}", s.view.auth_file, s.job_id);
        s.reload_pending = true;
        return true;
      }
      if (!s.machine.apply({instance_event_kind::new_profile, {}, {}}, unix_ms())) return false;
      s.log->info("New profile {}: starting again", s.view.auth_file);
      begin_start(self);
      return true;
    },
    [=](screenshot_atom) {
      auto& s = self->state;
      return take_screenshot(self, s.shots, s.work ? s.work->session() : nullptr,
                             s.cfg.timing.screenshot_timeout);
    },
    [=](screenshot_atom, std::uint64_t seq, screenshot_reply& reply) {
      screenshot_answered(self->state.shots, seq, std::move(reply));
    },
    [=](restart_atom) -> bool {
      // By hand (the dashboard): a fresh browser with the same profile, after
      // the current request when busy.
      auto& s = self->state;
      if (s.removing || s.machine.status() == instance_status::stopping) return false;
      if (!s.job_id.empty()) {
        s.log->info("Restart requested: restarting after request {}", s.job_id);
        s.reload_pending = true;
        return true;
      }
      if (!s.machine.apply({instance_event_kind::new_profile, {}, {}}, unix_ms())) return false;
      s.log->info("Restart requested: starting again");
      begin_start(self);
      return true;
    },
    [=](refresh_atom) {
      auto& s = self->state;
      if (s.removing || s.machine.status() == instance_status::stopping) return;
      if (s.machine.status() == instance_status::ready && s.job_id.empty() && s.work)
        s.work->post(save_job(self));
      self->delayed_send(self, s.cfg.timing.refresh_interval, refresh_atom::value);
    },
    [=](remove_atom) {
      auto& s = self->state;
      if (s.removing) return;
      s.removing = true;
      s.reload_pending = false;
      if (s.job_id.empty())
        s.log->info("Profile {} removed: stopping", s.view.auth_file);
      else
        s.log->info("Profile {} removed: stopping after request {}", s.view.auth_file, s.job_id);
      s.machine.apply({instance_event_kind::stop, {}, {}}, unix_ms());
      publish(self);
      after_job(self);
    },
    [=](remove_atom, std::uint64_t epoch) {
      auto& s = self->state;
      if (epoch != s.epoch || !s.left) return;
      s.log->info("Stopped and removed");
      self->send(s.cfg.balancer, remove_atom::value, s.cfg.id);
      self->quit();
    },
    [=](stop_atom) -> caf::result<bool> {
      auto& s = self->state;
      // Only a working session is worth keeping: never one that lost its login.
      const auto before = s.machine.status();
      const bool save = writes_back(s) && !s.removing && s.work &&
                        (before == instance_status::ready || before == instance_status::busy ||
                         before == instance_status::cooldown);
      s.machine.apply({instance_event_kind::stop, {}, {}}, unix_ms());
      publish(self);
      if (!s.job_id.empty()) {
        auto o = outcome_for(s, s.job_id);
        o.code = error_code::shutting_down;
        o.message = "shutting down";
        o.delta_sent = s.job_ticket_ && s.job_ticket_->close();
        finish_job(self, std::move(o));
      }
      if (!s.work) return true;
      s.work->request_stop();
      if (save) s.work->post(save_job(self));
      auto addr = self->address();
      auto epoch = s.epoch;
      auto grace = s.cfg.timing.close_grace;
      s.stop_promise = self->make_response_promise();
      s.work->post([addr, epoch, grace](session_slot& slot) {
        if (auto sess = slot.take()) {
          try {
            sess->close(grace);
          } catch (const std::exception& e) {
            spdlog::warn("closing a session failed: {}", e.what());
          }
        }
        tell(addr, stop_atom::value, epoch);
      });
      return s.stop_promise;
    },
    [=](stop_atom, std::uint64_t epoch) {
      auto& s = self->state;
      if (epoch != s.epoch) return;
      s.log->info("Browser closed");
      if (s.stop_promise.pending()) s.stop_promise.deliver(true);
    },
    [=](fleet_atom) { return self->state.view; },
  };
}

}  // namespace camoufleet
