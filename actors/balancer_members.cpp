// The balancer's members from nodes: one joins (or rejoins after a
// reconnect), one is lost with its node (its running request ends like a
// browser crash); and the one log line once the fleet has settled.
#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "actors/balancer_steps.hpp"

namespace camoufleet::balancer_steps {

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

}  // namespace camoufleet::balancer_steps
