#include "actors/balancer_actor.hpp"
#include "actors/balancer_views.hpp"

#include <algorithm>
#include <utility>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "actors/retry_policy.hpp"
#include "actors/routing.hpp"

namespace camoufleet {

const char* balancer_state::name = "balancer";

namespace {

using self_ptr = caf::stateful_actor<balancer_state>*;

// Seconds a refused client should wait before trying again.
constexpr int busy_retry_after_s = 5;
constexpr int max_handbacks = 10;

// Queue waits are measured on the actor clock (steady in production,
// hand-driven under CAF's test scheduler), not on wall time.
std::int64_t queue_now(self_ptr self) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             self->clock().now().time_since_epoch())
      .count();
}

std::string bare_model(const std::string& id) {
  const std::string prefix = "models/";
  return id.compare(0, prefix.size(), prefix) == 0 ? id.substr(prefix.size()) : id;
}

std::chrono::milliseconds job_timeout(const fleet_timing& t) {
  // The instance's own deadlines come first; this only catches a lost reply.
  return t.request_timeout + 2 * t.page_timeout + std::chrono::seconds(30);
}

void fail(self_ptr self, const std::string& request_id, error_code code, std::string message,
          int retry_after_s = 0, std::string instance_id = {}) {
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

void on_outcome(self_ptr self, job_outcome o);

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
  self->request(m.handle, job_timeout(st.cfg.timing), run_job{p.request, p.sink})
      .then([=](job_outcome& o) { on_outcome(self, std::move(o)); },
            [=](caf::error& err) {
              job_outcome o;
              o.request_id = request_id;
              o.instance_id = instance_id;
              // Only a deadline is a timeout (504); an instance (or its
              // node) that is gone is browser_gone (502).
              const bool late = err == caf::sec::request_timeout;
              o.code = late ? error_code::timeout : error_code::browser_gone;
              o.message = std::string(late ? "instance did not answer in time: "
                                           : "instance is gone: ") +
                          self->system().render(err);
              on_outcome(self, std::move(o));
            });
}

void schedule_expiry(self_ptr self) {
  auto& st = self->state;
  auto when = st.queue.next_expiry(st.cfg.timing.queue_timeout.count());
  if (!when) return;
  auto delay = std::chrono::milliseconds(std::max<std::int64_t>(0, *when - queue_now(self)));
  self->delayed_send(self, delay, expire_atom::value);
}

// Finds a place for a request that is not running: an instance now, the
// queue, or a refusal.
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

// Gives queued requests to instances that became free, oldest first.
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

// An instance on a node that went away (or a node replaced by its next
// start): its running request ends as if its browser had crashed, so a
// non-stream one fails over and a stream after its first byte gets an error.
// (id by value: callers pass keys of the map this erases from.)
void lose_member(self_ptr self, std::string id, const std::string& reason) {
  auto& st = self->state;
  auto mit = st.instances.find(id);
  if (mit == st.instances.end()) return;
  const auto request_id = mit->second.request_id;
  st.instances.erase(mit);
  st.log->warn("{} left the fleet: {}", id, reason);
  if (request_id.empty()) {
    pump(self);
    return;
  }
  job_outcome o;
  o.request_id = request_id;
  o.instance_id = id;
  o.code = error_code::browser_gone;
  o.message = "instance lost: " + reason;
  auto rit = st.requests.find(request_id);
  if (rit == st.requests.end() || rit->second.delta_sent || !rit->second.request.stream) {
    o.delta_sent = rit != st.requests.end() && rit->second.delta_sent;
    on_outcome(self, std::move(o));
    return;
  }
  // The instance's own word on whether text went out died with its node,
  // and its first_delta may have died on the way. The sink knows: every
  // delta that arrived before the link broke is already in its mailbox,
  // ahead of this question. No answer in time counts as "yes" (no failover:
  // never text from two instances).
  self->request(rit->second.sink, st.cfg.timing.ask_timeout, sent_atom::value, request_id)
      .then(
          [=](bool sent) mutable {
            o.delta_sent = sent;
            on_outcome(self, std::move(o));
          },
          [=](caf::error&) mutable {
            o.delta_sent = true;
            on_outcome(self, std::move(o));
          });
}

// A node's instance joins (or joins again after a reconnect).
void add_remote(self_ptr self, node_member& m) {
  auto& st = self->state;
  auto it = st.instances.find(m.id);
  if (it != st.instances.end() && it->second.handle != m.handle)
    lose_member(self, m.id, "replaced by a new start of its node");
  const bool fresh = st.instances.count(m.id) == 0;
  auto& mem = st.instances[m.id];
  if (fresh || !mem.remote) self->monitor(m.handle);
  mem.handle = std::move(m.handle);
  if (m.view.node_host.empty()) m.view.node_host = mem.view.node_host;
  mem.view = std::move(m.view);
  mem.view.id = m.id;
  mem.remote = true;
  for (auto& mi : m.models) {
    auto same = [&](const core::model_info& x) { return x.id == mi.id; };
    if (std::none_of(st.models.begin(), st.models.end(), same)) st.models.push_back(std::move(mi));
  }
  if (fresh)
    st.log->info("{} joined from node {} ({}, {})", m.id, mem.view.node_id, mem.view.node_host,
                 to_string(mem.view.status));
  pump(self);
}

void maybe_log_settled(self_ptr self) {
  auto& st = self->state;
  if (st.settled_logged || st.instances.size() < st.expected_instances) return;
  int ready = 0;
  for (const auto& [id, m] : st.instances) {
    if (m.view.status == instance_status::starting) return;
    if (m.view.status == instance_status::ready || m.view.status == instance_status::busy) ++ready;
  }
  st.settled_logged = true;
  if (st.cfg.multi)
    st.log->info("Multi-instance mode started: {} instances ready", ready);
  else
    st.log->info("Single-instance mode started: {} instance ready", ready);
}

}  // namespace

caf::behavior balancer_actor(caf::stateful_actor<balancer_state>* self, balancer_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.queue = request_queue(st.cfg.queue_limit);
  st.log = spdlog::default_logger()->clone("balancer");
  self->set_default_handler(caf::drop);
  self->set_down_handler([=](caf::down_msg& dm) {
    // An instance is gone: its node died, was cut off, or drained; or a
    // local instance actor ended without leaving by remove_atom (a bug, but
    // its request must not wait for the job deadline and end as a timeout).
    for (const auto& [id, m] : self->state.instances) {
      if (m.handle.address() == dm.source) {
        lose_member(self, id, self->system().render(dm.reason));
        break;
      }
    }
    check_drained(self);
  });
  return {
    [=](register_atom, node_member& m) { add_remote(self, m); },
    [=](register_atom, const std::string& id, caf::actor handle) {
      auto& m = self->state.instances[id];
      m.handle = std::move(handle);
      m.view.id = id;
      self->monitor(m.handle);
    },
    [=](remove_atom, const std::string& id) {
      // The instance drained and closed its browser: it leaves the fleet view.
      auto& s = self->state;
      // (The fleet lowers expected_instances itself, with register_atom.)
      if (s.instances.erase(id) > 0) s.log->info("{} removed from the fleet", id);
      pump(self);
    },
    [=](register_atom, int expected) {
      self->state.expected_instances = static_cast<std::size_t>(std::max(0, expected));
      maybe_log_settled(self);
    },
    [=](instance_update& u) {
      auto& s = self->state;
      auto it = s.instances.find(u.view.id);
      if (it == s.instances.end()) return;
      auto node_id = std::move(it->second.view.node_id);
      auto node_host = std::move(it->second.view.node_host);
      it->second.view = std::move(u.view);
      it->second.view.node_id = std::move(node_id);
      it->second.view.node_host = std::move(node_host);
      maybe_log_settled(self);
      pump(self);
    },
    [=](instance_models& m) {
      auto& models = self->state.models;
      for (auto& mi : m.models) {
        auto same = [&](const core::model_info& x) { return x.id == mi.id; };
        if (std::none_of(models.begin(), models.end(), same)) models.push_back(std::move(mi));
      }
    },
    [=](first_delta& d) {
      auto it = self->state.requests.find(d.request_id);
      if (it != self->state.requests.end()) it->second.delta_sent = true;
    },
    [=](submit_atom, completion_request& req, caf::actor sink) {
      auto& s = self->state;
      const auto id = req.id;
      if (s.draining) {
        self->send(sink, request_failed{id, "", error_code::shutting_down, "shutting down", 0});
        return;
      }
      if (id.empty() || s.requests.count(id) > 0) {
        self->send(sink, request_failed{id, "", error_code::bad_request,
                                        "missing or duplicate request id", 0});
        return;
      }
      const auto wanted = bare_model(req.params.model);
      if (!wanted.empty() && !s.models.empty() &&
          std::none_of(s.models.begin(), s.models.end(),
                       [&](const core::model_info& m) { return m.id == wanted; })) {
        self->send(sink, request_failed{id, "", error_code::unknown_model,
                                        "The model '" + wanted + "' does not exist", 0});
        return;
      }
      req.params.model = wanted;
      auto& p = s.requests[id];
      p.request = std::move(req);
      p.sink = std::move(sink);
      dispatch(self, id, false);
    },
    [=](cancel_atom, const std::string& request_id) -> caf::result<bool> {
      auto& s = self->state;
      auto it = s.requests.find(request_id);
      if (it == s.requests.end()) return false;
      if (s.queue.contains(request_id)) {
        fail(self, request_id, error_code::cancelled, "cancelled while queued");
        check_drained(self);
        return true;
      }
      it->second.cancelled = true;
      auto mit = s.instances.find(it->second.instance);
      if (mit == s.instances.end()) return false;
      auto rp = self->make_response_promise<bool>();
      self->request(mit->second.handle, s.cfg.timing.ask_timeout, cancel_atom::value, request_id)
          .then([rp](bool done) mutable { rp.deliver(done); },
                [rp](caf::error&) mutable { rp.deliver(false); });
      return rp;
    },
    [=](expire_atom) {
      auto& s = self->state;
      for (const auto& id : s.queue.expire(queue_now(self), s.cfg.timing.queue_timeout.count()))
        fail(self, id, error_code::queue_timeout, "no instance became free in time",
             busy_retry_after_s);
      schedule_expiry(self);
      check_drained(self);
    },
    [=](restart_atom, const std::string& id) -> caf::result<bool> {
      // By hand (the dashboard): the instance restarts its browser.
      auto& s = self->state;
      auto it = s.instances.find(id);
      if (it == s.instances.end()) return false;
      s.log->info("Restart of {} requested", id);
      auto rp = self->make_response_promise<bool>();
      self->request(it->second.handle, s.cfg.timing.ask_timeout, restart_atom::value)
          .then([rp](bool done) mutable { rp.deliver(done); },
                [rp](caf::error&) mutable { rp.deliver(false); });
      return rp;
    },
    [=](screenshot_atom, const std::string& id) -> caf::result<screenshot_reply> {
      auto& s = self->state;
      auto it = s.instances.find(id);
      if (it == s.instances.end())
        return screenshot_reply{screenshot_status::unknown_instance, {}, "no instance " + id};
      auto rp = self->make_response_promise<screenshot_reply>();
      // The instance answers by its own deadline; this one only guards a lost actor.
      self->request(it->second.handle, s.cfg.timing.screenshot_timeout + std::chrono::seconds(5),
                    screenshot_atom::value)
          .then([rp](screenshot_reply& r) mutable { rp.deliver(std::move(r)); },
                [rp](caf::error& e) mutable {
                  rp.deliver(screenshot_reply{screenshot_status::failed, {}, caf::to_string(e)});
                });
      return rp;
    },
    [=](rotation_atom, const std::string& id, bool in_rotation) {
      auto& s = self->state;
      auto it = s.instances.find(id);
      if (it == s.instances.end()) return false;
      if (it->second.in_rotation != in_rotation)
        s.log->info("{} {} the rotation", id, in_rotation ? "back in" : "taken out of");
      it->second.in_rotation = in_rotation;
      pump(self);
      return true;
    },
    [=](caf::get_atom, fleet_atom) { return make_view(self->state, queue_now(self)); },
    [=](caf::get_atom, models_atom) { return self->state.models; },
    [=](settled_atom) {
      if (self->state.instances.size() < self->state.expected_instances) return false;
      for (const auto& [id, m] : self->state.instances)
        if (m.view.status == instance_status::starting) return false;
      return true;
    },
    [=](drain_atom) -> caf::result<bool> {
      auto& s = self->state;
      if (!s.draining) s.log->info("Draining: refusing new requests");
      s.draining = true;
      for (const auto& e : s.queue.snapshot(queue_now(self)))
        fail(self, e.request_id, error_code::shutting_down, "shutting down");
      if (s.requests.empty()) return true;
      auto rp = self->make_response_promise();
      s.drain_waiters.push_back(rp);
      return rp;
    },
  };
}

}  // namespace camoufleet
