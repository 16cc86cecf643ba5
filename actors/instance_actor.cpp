// The instance actor's message handlers: one per thing that can happen to
// an instance (browser started or failed, a request, its deltas and end,
// cancel, timers, reload, screenshots, remove, stop). The steps they take are
// in instance_browser.cpp and instance_jobs.cpp (instance_steps.hpp).
#include "actors/instance_actor.hpp"
#include "actors/error_replies.hpp"

#include <algorithm>
#include <utility>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/instance_steps.hpp"
#include "actors/messages.hpp"
#include "actors/retry_policy.hpp"

namespace camoufleet {

const char* instance_actor_state::name = "instance";

using namespace instance_steps;

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
  log_error_replies(self, st.cfg.id);
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
      spare_settled(self);
      if (!s.machine.apply({instance_event_kind::started, {}, {}}, unix_ms())) return;
      if (m.port > 0) s.view.port = m.port;
      s.view.ws_endpoint = m.ws_endpoint;
      s.view.browser_pid = m.pid;
      s.view.page_served = 0;
      s.log->info("Ready (port: {}, {} models)", s.view.port, m.models.size());
      if (!m.models.empty())
        self->send(s.cfg.balancer, instance_models{s.cfg.id, std::move(m.models)});
      publish(self);
    },
    [=](session_failed& m) {
      auto& s = self->state;
      if (m.epoch != s.epoch) return;
      auto kind = m.failure;
      if (m.on_start) spare_settled(self);
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
      auto sink = s.job_sink;
      auto o = outcome_for(s, m.request_id);
      o.ok = true;
      o.delta_sent = s.job_ticket_ && s.job_ticket_->close();
      auto promise = end_job(self);
      ++s.view.served;
      ++s.view.page_served;
      s.machine.apply({instance_event_kind::finished, {}, {}}, unix_ms());
      s.log->info("Request {} done", m.request_id);
      // The new state goes out first, then the answer and the outcome.
      publish(self);
      send_answer(self, sink, std::move(fin));
      deliver_outcome(self, promise, std::move(o));
      // A page loaded afresh gives back more than a collection would.
      if (!maybe_recycle(self)) collect_if_due(self);
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
      auto promise = end_job(self);
      s.machine.apply({instance_event_kind::failed, kind, m.message}, unix_ms());
      follow_status(self);  // publishes the state the failure left
      deliver_outcome(self, promise, std::move(o));
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
    [=](page_reloaded& m) { on_page_reloaded(self, m); },
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
        s.next_cause = start_cause::by_hand;
        return true;
      }
      if (!s.machine.apply({instance_event_kind::new_profile, {}, {}}, unix_ms())) return false;
      s.next_cause = start_cause::by_hand;
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
        s.next_cause = start_cause::by_hand;
        return true;
      }
      if (!s.machine.apply({instance_event_kind::new_profile, {}, {}}, unix_ms())) return false;
      s.next_cause = start_cause::by_hand;
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
                         before == instance_status::cooldown || before == instance_status::recycling);
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
