// The balancer's message handlers: instances registering and reporting,
// requests arriving, cancelled and expiring, fleet/queue/model queries,
// rotation, drain and shutdown. The steps they take are in
// balancer_routing.cpp and balancer_members.cpp (balancer_steps.hpp).
#include "actors/balancer_actor.hpp"
#include "actors/error_replies.hpp"
#include "actors/balancer_views.hpp"

#include <algorithm>
#include <utility>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/balancer_steps.hpp"
#include "actors/messages.hpp"
#include "actors/retry_policy.hpp"
#include "actors/routing.hpp"

namespace camoufleet {

const char* balancer_state::name = "balancer";

namespace {

using namespace balancer_steps;

std::string bare_model(const std::string& id) {
  const std::string prefix = "models/";
  return id.compare(0, prefix.size(), prefix) == 0 ? id.substr(prefix.size()) : id;
}

}  // namespace

caf::behavior balancer_actor(caf::stateful_actor<balancer_state>* self, balancer_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.queue = request_queue(st.cfg.queue_limit);
  st.log = spdlog::default_logger()->clone("balancer");
  self->set_default_handler(caf::drop);
  log_error_replies(self, "balancer");
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
    // A node agent gone: its spares are no longer the fleet's.
    auto& ns = self->state.nodes_spares;
    for (auto it = ns.begin(); it != ns.end();)
      it = it->second.agent == dm.source ? ns.erase(it) : std::next(it);
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
      s.expiry_at = 0;  // rescheduled below for what is still queued
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
    [=](spares_atom, std::vector<spare_view>& spares, int wanted) {
      self->state.spares = std::move(spares);
      self->state.spares_wanted = wanted;
    },
    [=](spares_atom, const std::string& node, std::vector<spare_view>& spares, int wanted) {
      auto& n = self->state.nodes_spares[node];
      const auto agent = self->current_sender() ? self->current_sender()->address() : caf::actor_addr();
      if (agent && n.agent != agent) self->monitor(agent);
      n.agent = agent;
      n.spares = std::move(spares);
      n.wanted = wanted;
    },
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
