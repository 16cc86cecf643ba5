// The instance's request: running a generation on the worker (model, deltas
// through the job ticket, the chat cleared after the answer), finishing it,
// what waited for its end, and writing the refreshed session back to the
// profile file.
#include <utility>

#include <spdlog/spdlog.h>

#include "actors/instance_steps.hpp"
#include "actors/retry_policy.hpp"

namespace camoufleet::instance_steps {

job_outcome outcome_for(const instance_actor_state& st, const std::string& request_id) {
  job_outcome o;
  o.request_id = request_id;
  o.instance_id = st.cfg.id;
  return o;
}

caf::response_promise end_job(self_ptr self) {
  auto& st = self->state;
  auto promise = std::exchange(st.job_promise, caf::response_promise{});
  st.job_id.clear();
  st.job_sink = nullptr;
  st.job_ticket_.reset();
  st.view.current_request_id.clear();
  return promise;
}

void send_answer(self_ptr self, const caf::actor& sink, request_finished fin) {
  const auto& cfg = self->state.cfg;
  if (cfg.relay_through_balancer)
    self->send(cfg.balancer, relay_atom::value, sink, std::move(fin));
  else
    self->send(sink, std::move(fin));
}

void deliver_outcome(self_ptr self, caf::response_promise& promise, job_outcome o) {
  if (!promise.pending()) return;
  const auto& cfg = self->state.cfg;
  if (cfg.relay_through_balancer)
    promise.delegate(cfg.balancer, relay_atom::value, std::move(o));
  else
    promise.deliver(std::move(o));
}

void finish_job(self_ptr self, job_outcome o) {
  auto promise = end_job(self);
  deliver_outcome(self, promise, std::move(o));
}

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

void post_generation(self_ptr self, const run_job& job) {
  auto& st = self->state;
  auto addr = self->address();
  auto epoch = st.epoch;
  auto sink = job.sink;
  auto request = job.request;
  auto ticket = st.job_ticket_;
  auto timing = st.cfg.timing;
  auto id = st.cfg.id;
  auto dirty = st.chat_dirty;
  auto log = st.log;
  st.work->post([=](session_slot& slot) {
    const auto& rid = request.id;
    try {
      auto* s = slot.get();
      if (s == nullptr) throw core::driver_error(core::failure_kind::browser_gone, "no browser");
      auto& page = s->page();
      // Only when clearing it after the last answer failed.
      if (*dirty) {
        page.new_chat(timing.page_timeout);
        *dirty = false;
      }
      const auto& wanted = request.params.model;
      // generate() switches the model when the page is on another one (and
      // checks it in the same page round trip as the Run click when not).
      if (ticket->is_cancelled())
        throw core::driver_error(core::failure_kind::cancelled, "cancelled before the answer began");
      bool stop_sent = false;
      *dirty = true;
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
      // The answer is out: clear the chat now, off the next request's path
      // (the next job waits behind this one at worst).
      try {
        page.new_chat(timing.page_timeout);
        *dirty = false;
      } catch (const std::exception& e) {
        log->debug("Clearing the chat after request {} failed (the next request tries again): {}",
                   rid, e.what());
      }
    } catch (const core::driver_error& e) {
      tell(addr, generation_failed{epoch, rid, e.kind(), e.what(), ticket->any_sent()});
    } catch (const std::exception& e) {
      tell(addr, generation_failed{epoch, rid, core::failure_kind::site_error,
                                   e.what(), ticket->any_sent()});
    }
  });
}

}  // namespace camoufleet::instance_steps
