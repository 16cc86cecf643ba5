#pragma once
// What the deterministic balancer tests share: scripted instance actors
// and a journal of what they saw, a recording sink, the fixture on CAF's
// test coordinator (time moves only when advanced). Internal to tests/actors.

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/balancer_actor.hpp"
#include "actors/gateway.hpp"
#include "actors/messages.hpp"
#include "actors/monitor_actor.hpp"

namespace camoufleet::testing {

using namespace std::chrono_literals;

// What the scripted actors saw; only touched from the test thread.
struct journal {
  std::map<std::string, std::vector<request_event>> events;  // by request id
  std::vector<std::pair<std::string, std::string>> jobs;      // (instance, request) in order
  std::map<std::string, int> cancels;                         // by instance
  std::map<std::string, int> health_checks;                   // by instance

  template <class T>
  std::vector<T> all(const std::string& id) {
    std::vector<T> out;
    for (auto& e : events[id])
      if (auto* x = std::get_if<T>(&e)) out.push_back(*x);
    return out;
  }
  bool done(const std::string& id) {
    auto& ev = events[id];
    return !ev.empty() && (std::holds_alternative<request_finished>(ev.back()) ||
                           std::holds_alternative<request_failed>(ev.back()));
  }
  std::vector<std::string> jobs_of(const std::string& instance) {
    std::vector<std::string> out;
    for (auto& [i, r] : jobs)
      if (i == instance) out.push_back(r);
    return out;
  }
};

struct scripted_state {
  std::map<std::string, caf::response_promise> promises;
  std::map<std::string, caf::actor> sinks;
  static inline const char* name = "scripted_instance";
};

using complete_atom = caf::atom_constant<caf::atom("complete")>;
using fail_atom = caf::atom_constant<caf::atom("fail")>;
using status_atom = caf::atom_constant<caf::atom("status")>;

// Stands in for instance_actor: takes run_job and answers only when the test
// says how the job ended.
inline caf::behavior scripted_instance(caf::stateful_actor<scripted_state>* self, caf::actor balancer,
                                std::string id, journal* j) {
  self->send(balancer, register_atom::value, id, caf::actor_cast<caf::actor>(self));
  instance_view v;
  v.id = id;
  v.status = instance_status::ready;
  self->send(balancer, instance_update{v});
  auto outcome = [=](const std::string& rid) {
    job_outcome o;
    o.request_id = rid;
    o.instance_id = id;
    return o;
  };
  return {
    [=](run_job& job) -> caf::result<job_outcome> {
      j->jobs.emplace_back(id, job.request.id);
      auto rp = self->make_response_promise();
      self->state.promises[job.request.id] = rp;
      self->state.sinks[job.request.id] = job.sink;
      return rp;
    },
    [=](complete_atom, const std::string& rid) {
      auto& st = self->state;
      if (st.promises.count(rid) == 0) return;
      self->send(st.sinks[rid], request_delta{rid, "hi", ""});
      self->send(st.sinks[rid], request_finished{rid, id, "m", "hi", "", "stop", 1, 1, 0, {}});
      auto o = outcome(rid);
      o.ok = true;
      o.delta_sent = true;
      st.promises[rid].deliver(o);
      st.promises.erase(rid);
    },
    [=](fail_atom, const std::string& rid, int code, bool delta_sent) {
      auto& st = self->state;
      if (st.promises.count(rid) == 0) return;
      if (delta_sent) self->send(st.sinks[rid], request_delta{rid, "par", ""});
      auto o = outcome(rid);
      o.code = static_cast<error_code>(code);
      o.delta_sent = delta_sent;
      o.message = "scripted";
      st.promises[rid].deliver(o);
      st.promises.erase(rid);
    },
    [=](cancel_atom, const std::string& rid) -> bool {
      ++j->cancels[id];
      auto& st = self->state;
      if (st.promises.count(rid) == 0) return false;
      auto o = outcome(rid);
      o.code = error_code::cancelled;
      st.promises[rid].deliver(o);
      st.promises.erase(rid);
      return true;
    },
    [=](status_atom, int status, std::int64_t until_ms) {
      instance_view u;
      u.id = id;
      u.status = static_cast<instance_status>(status);
      u.until_ms = until_ms;
      self->send(balancer, instance_update{u});
    },
    [=](health_atom) { ++j->health_checks[id]; },
  };
}

inline caf::behavior recording_sink(caf::event_based_actor* self, journal* j) {
  (void)self;
  return {
    [=](request_assigned& e) { j->events[e.request_id].emplace_back(e); },
    [=](request_delta& e) { j->events[e.request_id].emplace_back(e); },
    [=](request_finished& e) { j->events[e.request_id].emplace_back(e); },
    [=](request_failed& e) { j->events[e.request_id].emplace_back(e); },
    [=](sent_atom, const std::string& rid) { return !j->all<request_delta>(rid).empty(); },
  };
}

struct deterministic_fixture {
  explicit deterministic_fixture(balancer_config bc = {}) {
    register_types(cfg);
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    balancer = sys->spawn(balancer_actor, bc);
    sink = sys->spawn(recording_sink, &j);
    run();
  }
  ~deterministic_fixture() {
    for (auto& [id, a] : instances) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(balancer, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
    run();
    instances.clear();
    balancer = nullptr;
    sink = nullptr;
  }

  void run() { sched->run(); }
  void add_instances(int n) {
    for (int i = 1; i <= n; ++i) {
      auto id = "instance_" + std::to_string(i);
      instances[id] = sys->spawn(scripted_instance, balancer, id, &j);
    }
    caf::anon_send(balancer, register_atom::value, n);
    run();
  }
  void submit(const std::string& id, const std::string& model = "", bool stream = false) {
    completion_request r;
    r.id = id;
    r.stream = stream;
    r.messages.push_back({"user", "hi"});
    r.params.model = model;
    caf::anon_send(balancer, submit_atom::value, r, sink);
    run();
  }
  void complete(const std::string& instance, const std::string& rid) {
    caf::anon_send(instances.at(instance), complete_atom::value, rid);
    run();
  }
  void fail(const std::string& instance, const std::string& rid, error_code code, bool delta) {
    caf::anon_send(instances.at(instance), fail_atom::value, rid, static_cast<int>(code), delta);
    run();
  }
  void set_status(const std::string& instance, instance_status s, std::int64_t until_ms = 0) {
    caf::anon_send(instances.at(instance), status_atom::value, static_cast<int>(s), until_ms);
    run();
  }
  // Asks the balancer through a probe actor: send, run, read (no blocking receive).
  template <class T, class... Ts>
  T ask(Ts... xs) {
    auto out = std::make_shared<T>();
    auto got = std::make_shared<bool>(false);
    // The probe takes an argument: CAF 0.17 trips UBSan on argument-less spawns.
    sys->spawn(
        [=](caf::event_based_actor* self, caf::actor dest) {
          self->request(dest, 5s, xs...).then([=](T& x) {
            *out = std::move(x);
            *got = true;
          });
        },
        balancer);
    run();
    REQUIRE(*got);
    return *out;
  }
  fleet_view view() { return ask<fleet_view>(caf::get_atom::value, fleet_atom::value); }
  void advance(caf::timespan d) {
    sched->advance_time(d);
    run();
  }

  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  journal j;
  caf::actor balancer;
  caf::actor sink;
  std::map<std::string, caf::actor> instances;
};

inline balancer_config config_with(std::size_t queue_limit = 100, int max_retries = 2) {
  balancer_config bc;
  bc.queue_limit = queue_limit;
  bc.max_retries = max_retries;
  bc.multi = true;
  return bc;  // production timing: 120 s queue wait, 300 s request timeout
}

}  // namespace camoufleet::testing
