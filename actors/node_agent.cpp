#include "actors/node_agent.hpp"
#include "actors/error_replies.hpp"

#include <utility>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>
#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "actors/node_link.hpp"

namespace camoufleet {

const char* node_agent_state::name = "node_agent";

namespace {

using self_ptr = caf::stateful_actor<node_agent_state>*;

void connect(self_ptr self);

void retry_later(self_ptr self, const std::string& why) {
  auto& st = self->state;
  st.connecting = false;
  st.registry = nullptr;
  st.balancer = nullptr;
  if (st.draining) return;
  ++st.failures;
  auto delay = node_link::reconnect_delay(st.failures, st.cfg.reconnect_cap);
  // Every attempt at first, then once in a while: a head that is down for
  // long must not fill the log.
  if (st.failures <= 3 || st.failures % 20 == 0)
    st.log->warn("Head {}:{} not joined ({}); trying again in {} ms", st.cfg.head_host,
                 st.cfg.head_port, why, delay.count());
  self->delayed_send(self, delay, connect_nd_atom::value);
}

node_hello make_hello(const node_agent_state& st) {
  node_hello h;
  h.node_id = st.cfg.node_id;
  h.host = st.cfg.host;
  h.secret = st.cfg.secret;
  for (const auto& [id, m] : st.members) h.members.push_back({id, m.handle, m.view, m.models});
  return h;
}

void say_hello(self_ptr self, caf::actor registry) {
  auto& st = self->state;
  st.registry = registry;
  self->request(registry, st.cfg.connect_timeout, make_hello(st))
      .then(
          [=](bool accepted, const std::string& why, const caf::actor& balancer) {
            auto& s = self->state;
            s.connecting = false;
            if (!accepted || !balancer) {
              s.log->error("Head {}:{} refused this node: {}", s.cfg.head_host, s.cfg.head_port, why);
              retry_later(self, "refused: " + why);
              return;
            }
            s.balancer = balancer;
            s.failures = 0;
            // On success the head answers with this node's address as it saw it.
            for (auto& [id, m] : s.members) m.view.node_host = why;
            s.seen_as = why;
            // Its loss (the head died or the link broke) starts a new round.
            self->monitor(balancer);
            s.log->info("Joined head {}:{} as node {} with {} instance(s)", s.cfg.head_host,
                        s.cfg.head_port, s.cfg.node_id, s.members.size());
            // Instances that registered while the hello was on its way, and
            // the latest state of all (joining again changes nothing else).
            for (const auto& [id, m] : s.members)
              self->send(balancer, register_atom::value, node_member{id, m.handle, m.view, m.models});
            self->send(balancer, spares_atom::value, s.cfg.node_id, s.spares, s.spares_wanted);
            if (s.draining)
              for (const auto& [id, m] : s.members) self->send(balancer, remove_atom::value, id);
          },
          [=](caf::error& err) { retry_later(self, "hello: " + self->system().render(err)); });
}

void connect(self_ptr self) {
  auto& st = self->state;
  if (st.connecting || st.balancer || st.draining) return;
  st.connecting = true;
  auto mm = st.cfg.tls ? self->system().openssl_manager().actor_handle()
                       : self->system().middleman().actor_handle();
  self->request(mm, st.cfg.connect_timeout, caf::connect_atom::value, st.cfg.head_host,
                st.cfg.head_port)
      .then(
          [=](const caf::node_id&, const caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            auto registry = caf::actor_cast<caf::actor>(ptr);
            if (!registry) {
              retry_later(self, "nothing published there");
              return;
            }
            say_hello(self, registry);
          },
          [=](caf::error& err) { retry_later(self, self->system().render(err)); });
}

template <class... Ts>
void forward(self_ptr self, Ts&&... xs) {
  if (self->state.balancer) self->send(self->state.balancer, std::forward<Ts>(xs)...);
}

bool busy(const node_agent_state& st) {
  for (const auto& [id, m] : st.members)
    if (m.view.status == instance_status::busy || !m.view.current_request_id.empty()) return true;
  return false;
}

void check_drained(self_ptr self) {
  auto& st = self->state;
  if (!st.draining || busy(st)) return;
  for (auto& rp : st.drain_waiters)
    if (rp.pending()) rp.deliver(true);
  st.drain_waiters.clear();
}

}  // namespace

caf::behavior node_agent(caf::stateful_actor<node_agent_state>* self, node_agent_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.log = spdlog::default_logger()->clone("node");
  self->set_default_handler(caf::drop);
  log_error_replies(self, "node agent");
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& s = self->state;
    if (!s.balancer || dm.source != s.balancer.address()) return;
    s.log->warn("Lost the head {}:{} ({})", s.cfg.head_host, s.cfg.head_port,
                self->system().render(dm.reason));
    s.failures = 0;
    retry_later(self, "lost");
  });
  self->send(self, connect_nd_atom::value);
  return {
    [=](connect_nd_atom) { connect(self); },
    [=](register_atom, const std::string& id, caf::actor handle) {
      auto& m = self->state.members[id];
      m.handle = handle;
      m.view.id = id;
      m.view.node_id = self->state.cfg.node_id;
      m.view.node_host = self->state.seen_as;
      forward(self, register_atom::value, node_member{id, handle, m.view, {}});
    },
    [=](register_atom, int) {},
    // The node's warm spares (--spare-browsers) tell their balancer how they
    // are: the head shows them beside its own, named after this node.
    [=](spares_atom, std::vector<spare_view>& spares, int wanted) {
      auto& s = self->state;
      for (auto& v : spares) v.node_id = s.cfg.node_id;
      s.spares = std::move(spares);
      s.spares_wanted = wanted;
      forward(self, spares_atom::value, s.cfg.node_id, s.spares, s.spares_wanted);
    },
    [=](instance_update& u) {
      auto it = self->state.members.find(u.view.id);
      if (it == self->state.members.end()) return;
      it->second.view = u.view;
      it->second.view.node_id = self->state.cfg.node_id;
      it->second.view.node_host = self->state.seen_as;
      forward(self, std::move(u));
      check_drained(self);
    },
    [=](instance_models& m) {
      auto it = self->state.members.find(m.instance_id);
      if (it != self->state.members.end()) it->second.models = m.models;
      forward(self, std::move(m));
    },
    [=](first_delta& d) { forward(self, std::move(d)); },
    // An instance's answer and outcome, after its state forwarded above.
    [=](relay_atom, caf::actor& sink, request_finished& fin) { self->send(sink, std::move(fin)); },
    [=](relay_atom, job_outcome& o) { return std::move(o); },
    [=](remove_atom, const std::string& id) {
      self->state.members.erase(id);
      forward(self, remove_atom::value, id);
    },
    [=](settled_atom) {
      for (const auto& [id, m] : self->state.members)
        if (m.view.status == instance_status::starting) return false;
      return true;
    },
    [=](drain_atom) -> caf::result<bool> {
      // The head gives these instances nothing new; running requests finish.
      auto& s = self->state;
      if (!s.draining) s.log->info("Draining: leaving the head's pool, finishing running requests");
      s.draining = true;
      if (s.balancer)
        for (const auto& [id, m] : s.members) self->send(s.balancer, remove_atom::value, id);
      if (!busy(s)) return true;
      auto rp = self->make_response_promise();
      s.drain_waiters.push_back(rp);
      return rp;
    },
  };
}

}  // namespace camoufleet
