// Loading an instance's chat page afresh after --page-recycle-after answers.
// A long-lived page keeps native memory that neither a garbage collection
// nor a memory-pressure signal gives back, only a new document (bench P7:
// a Chromium renderer 19.5 -> 56.4 MB after 1500 answers, 23.3 after a
// reload). A reload is a page load (seconds on the real site), so the
// instance leaves the rotation while its worker reloads, between requests,
// and comes back ready; a page that does not load again is handled like a
// failed start: the browser restarts (or waits for a login).
#include <spdlog/spdlog.h>

#include "actors/instance_steps.hpp"
#include "actors/retry_policy.hpp"

namespace camoufleet::instance_steps {

bool recycle_due(int page_served, int every) { return every > 0 && page_served >= every; }

bool maybe_recycle(self_ptr self) {
  auto& st = self->state;
  if (!st.work || !st.job_id.empty() || st.removing || st.reload_pending) return false;
  if (!recycle_due(st.view.page_served, st.cfg.timing.page_recycle_after)) return false;
  const auto now = unix_ms();
  if (!st.machine.apply({instance_event_kind::recycle, {}, {}}, now)) return false;
  st.recycle_since_ms = now;
  st.log->info("Loading the chat page afresh after {} answers (out of rotation meanwhile)",
               st.view.page_served);
  publish(self);
  auto addr = self->address();
  auto epoch = st.epoch;
  auto timeout = st.cfg.timing.page_timeout;
  auto dirty = st.chat_dirty;
  st.work->post([=](session_slot& slot) {
    page_reloaded r;
    r.epoch = epoch;
    try {
      auto* s = slot.get();
      if (s == nullptr) throw core::driver_error(core::failure_kind::browser_gone, "no browser");
      s->page().reload(timeout);
      *dirty = false;  // a new document shows no earlier conversation
      r.ok = true;
    } catch (const core::driver_error& e) {
      r.failure = e.kind();
      r.message = e.what();
    } catch (const std::exception& e) {
      r.message = e.what();
    }
    tell(addr, std::move(r));
  });
  return true;
}

void on_page_reloaded(self_ptr self, const page_reloaded& m) {
  auto& st = self->state;
  if (m.epoch != st.epoch || st.machine.status() != instance_status::recycling) return;
  const auto now = unix_ms();
  if (m.ok) {
    ++st.view.recycles;
    st.view.page_served = 0;
    st.collected_at_served = st.view.served;  // the old page's garbage went with it
    st.machine.apply({instance_event_kind::recycled, {}, {}}, now);
    st.log->info("Chat page loaded afresh, ready");
    publish(self);
    return;
  }
  ++st.view.errors["reload_failed"];
  st.log->warn("Loading the chat page afresh failed ({}): {}", retry::name_of(m.failure), m.message);
  if (st.machine.apply({instance_event_kind::recycle_failed, m.failure,
                        "loading the chat page afresh: " + m.message},
                       now))
    follow_status(self);
}

void check_recycle_overrun(self_ptr self, std::int64_t now_ms) {
  auto& st = self->state;
  // The reload has its own deadline (page_timeout); this catches a worker
  // stuck past it, as the busy check does for a request.
  const auto limit = 2 * st.cfg.timing.page_timeout + st.cfg.timing.ping_timeout;
  if (now_ms - st.recycle_since_ms > limit.count())
    on_crash(self, "loading the chat page afresh overran its deadline", "overran");
}

}  // namespace camoufleet::instance_steps
