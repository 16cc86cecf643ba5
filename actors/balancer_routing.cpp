// A request's way through the balancer: the least-recently-used free
// instance, else the queue, else a refusal; its outcome, with failover
// before the first delta; failing it; the queue's expiry timer; the drain.
#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "actors/balancer_steps.hpp"
#include "actors/balancer_views.hpp"
#include "actors/retry_policy.hpp"
#include "actors/routing.hpp"

namespace camoufleet::balancer_steps {

namespace {

std::chrono::milliseconds job_timeout(const fleet_timing& t) {
  // The instance's own deadlines come first; this only catches a lost reply.
  return t.request_timeout + 2 * t.page_timeout + std::chrono::seconds(30);
}

void assign(self_ptr self, const std::string& request_id, const std::string& instance_id) {
  auto& st = self->state;
  auto& p = st.requests.at(request_id);
  auto& m = st.instances.at(instance_id);
  m.request_id = request_id;
  m.use_stamp = ++st.use_counter;
  p.tried.insert(instance_id);
  p.instance = instance_id;
  st.log->info("Request {} -> {}", request_id, instance_id);
  self->send(p.sink, request_assigned{request_id, instance_id});
  auto handle = self->request(m.handle, job_timeout(st.cfg.timing), run_job{p.request, p.sink});
  // CAF 0.17 leaves a request's timeout in its clock after the answer came
  // (~400 bytes for the job's 390 s, every request: bench P7); drop it then.
  const auto answer_id = handle.id();
  handle.then([=](job_outcome& o) {
              self->clock().cancel_request_timeout(self, answer_id);
              on_outcome(self, std::move(o));
            },
            [=](caf::error& err) {
              job_outcome o;
              o.request_id = request_id;
              o.instance_id = instance_id;
              // Only a deadline is a timeout (504); an instance (or its
              // node) that is gone is browser_gone (502).
              const bool late = err == caf::sec::request_timeout;
              // An error that is an answer (not the deadline itself) ends
              // the wait as a result does. (An instance that dies holding
              // the job never answers: its deadline stays to end CAF's wait.)
              if (!late) self->clock().cancel_request_timeout(self, answer_id);
              o.code = late ? error_code::timeout : error_code::browser_gone;
              o.message = std::string(late ? "instance did not answer in time: "
                                           : "instance is gone: ") +
                          self->system().render(err);
              on_outcome(self, std::move(o));
            });
}

}  // namespace

void fail(self_ptr self, const std::string& request_id, error_code code, std::string message,
          int retry_after_s, std::string instance_id) {
  auto& st = self->state;
  auto it = st.requests.find(request_id);
  if (it == st.requests.end()) return;
  auto sink = it->second.sink;
  st.requests.erase(it);
  st.queue.remove(request_id);
  st.log->info("Request {} failed: {} ({})", request_id, to_string(code), message);
  self->send(sink, request_failed{request_id, std::move(instance_id), code, std::move(message),
                                  retry_after_s});
}

void check_drained(self_ptr self) {
  auto& st = self->state;
  if (!st.draining || !st.requests.empty()) return;
  for (auto& rp : st.drain_waiters)
    if (rp.pending()) rp.deliver(true);
  st.drain_waiters.clear();
}

void schedule_expiry(self_ptr self) {
  auto& st = self->state;
  auto when = st.queue.next_expiry(st.cfg.timing.queue_timeout.count());
  if (!when) return;
  // A message already due no later does the job: CAF 0.17 keeps every
  // delayed message in its clock until it fires (~120 s here), one per
  // queued request if each scheduled its own (bench P7).
  if (st.expiry_at != 0 && st.expiry_at <= *when) return;
  st.expiry_at = *when;
  auto delay = std::chrono::milliseconds(std::max<std::int64_t>(0, *when - queue_now(self)));
  self->delayed_send(self, delay, expire_atom::value);
}

void dispatch(self_ptr self, const std::string& request_id, bool failover) {
  auto& st = self->state;
  auto& p = st.requests.at(request_id);
  if (auto pick = routing::pick_lru(candidates_for(st, p))) {
    assign(self, request_id, *pick);
    return;
  }
  bool hope = false;
  std::int64_t soonest_cool = 0;
  for (const auto& [id, m] : st.instances) {
    if (p.tried.count(id) > 0) continue;
    if (could_serve_later(m.view.status)) hope = true;
    if (m.view.status == instance_status::cooldown && m.view.until_ms > 0 &&
        (soonest_cool == 0 || m.view.until_ms < soonest_cool))
      soonest_cool = m.view.until_ms;
  }
  if (!hope) {
    if (failover) return;  // the caller reports the last error itself
    int retry_after = 60;
    if (soonest_cool > 0)
      retry_after = static_cast<int>(std::max<std::int64_t>(1, (soonest_cool - unix_ms() + 999) / 1000));
    fail(self, request_id, error_code::no_instances, "no instance can serve requests now",
         retry_after);
    return;
  }
  const auto now = queue_now(self);
  auto r = failover ? st.queue.push_front(request_id, now) : st.queue.push(request_id, now);
  if (r == request_queue::push_result::full) {
    fail(self, request_id, error_code::queue_full, "all instances are busy and the queue is full",
         busy_retry_after_s);
    return;
  }
  p.instance.clear();
  st.log->debug("Request {} queued ({} waiting)", request_id, st.queue.size());
  schedule_expiry(self);
}

void pump(self_ptr self) {
  auto& st = self->state;
  if (st.queue.empty()) return;
  for (const auto& entry : st.queue.snapshot(queue_now(self))) {
    auto it = st.requests.find(entry.request_id);
    if (it == st.requests.end()) {
      st.queue.remove(entry.request_id);
      continue;
    }
    auto pick = routing::pick_lru(candidates_for(st, it->second));
    if (!pick) continue;  // nothing free that it has not tried; later ones may still fit
    st.queue.remove(entry.request_id);
    assign(self, entry.request_id, *pick);
  }
}

void on_outcome(self_ptr self, job_outcome o) {
  auto& st = self->state;
  auto mit = st.instances.find(o.instance_id);
  if (mit != st.instances.end() && mit->second.request_id == o.request_id)
    mit->second.request_id.clear();
  auto it = st.requests.find(o.request_id);
  if (it == st.requests.end() || it->second.instance != o.instance_id) {
    pump(self);
    check_drained(self);
    return;
  }
  auto& p = it->second;
  if (!o.ok) p.instance.clear();
  if (o.ok) {
    st.requests.erase(it);
  } else if (o.handed_back && ++p.handbacks <= max_handbacks && !p.cancelled) {
    p.tried.erase(o.instance_id);
    dispatch(self, o.request_id, true);
    if (st.requests.count(o.request_id) > 0 && st.requests.at(o.request_id).instance.empty() &&
        !st.queue.contains(o.request_id))
      fail(self, o.request_id, error_code::no_instances, o.message, busy_retry_after_s);
  } else {
    // A non-stream reply is written only once it is whole, so a partial answer
    // never reached its client: only a stream's deltas are bytes on the wire.
    const bool client_has_text = p.request.stream && (o.delta_sent || p.delta_sent);
    retry::failed_attempt a{o.code, client_has_text, p.retries};
    if (!p.cancelled && !st.draining && retry::should_retry(a, st.cfg.max_retries)) {
      ++p.retries;
      st.log->warn("Request {} failed on {} ({}): failing over", o.request_id, o.instance_id,
                   to_string(o.code));
      dispatch(self, o.request_id, true);
      auto again = st.requests.find(o.request_id);
      if (again != st.requests.end() && again->second.instance.empty() &&
          !st.queue.contains(o.request_id))
        fail(self, o.request_id, o.code, o.message, o.retry_after_s, o.instance_id);
    } else {
      auto code = p.cancelled ? error_code::cancelled : o.code;
      fail(self, o.request_id, code, o.message, o.retry_after_s, o.instance_id);
    }
  }
  pump(self);
  check_drained(self);
}

}  // namespace camoufleet::balancer_steps
