// The balancer and the monitor on CAF's deterministic test scheduler, with
// scripted instance actors: every actor runs on this thread when run() is
// called, and time moves only when advanced, so production timeouts (120 s
// queue wait, 30 s monitor tick) are tested in microseconds.

#include <doctest/doctest.h>

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

using namespace camoufleet;
using namespace std::chrono_literals;

namespace {

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
  static const char* name;
};
const char* scripted_state::name = "scripted_instance";

using complete_atom = caf::atom_constant<caf::atom("complete")>;
using fail_atom = caf::atom_constant<caf::atom("fail")>;
using status_atom = caf::atom_constant<caf::atom("status")>;

// Stands in for instance_actor: takes run_job and answers only when the test
// says how the job ended.
caf::behavior scripted_instance(caf::stateful_actor<scripted_state>* self, caf::actor balancer,
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
      self->send(st.sinks[rid], request_finished{rid, id, "m", "hi", "", "stop", 1, 1});
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

caf::behavior recording_sink(caf::event_based_actor* self, journal* j) {
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

balancer_config config_with(std::size_t queue_limit = 100, int max_retries = 2) {
  balancer_config bc;
  bc.queue_limit = queue_limit;
  bc.max_retries = max_retries;
  bc.multi = true;
  return bc;  // production timing: 120 s queue wait, 300 s request timeout
}

}  // namespace

TEST_CASE("balancer (deterministic): 9 sequential requests go 3 each in LRU order") {
  deterministic_fixture fx(config_with());
  fx.add_instances(3);
  std::vector<std::string> order;
  for (int i = 0; i < 9; ++i) {
    auto id = "r" + std::to_string(i);
    fx.submit(id);
    REQUIRE(fx.j.jobs.size() == static_cast<std::size_t>(i + 1));
    order.push_back(fx.j.jobs.back().first);
    fx.complete(order.back(), id);
    REQUIRE(fx.j.done(id));
    CHECK(fx.j.all<request_finished>(id).size() == 1);
  }
  CHECK(order == std::vector<std::string>{"instance_1", "instance_2", "instance_3",
                                          "instance_1", "instance_2", "instance_3",
                                          "instance_1", "instance_2", "instance_3"});
}

TEST_CASE("balancer (deterministic): a freed instance takes the oldest queued request") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  for (int i = 0; i < 5; ++i) fx.submit("r" + std::to_string(i));
  REQUIRE(fx.j.jobs.size() == 2);
  CHECK(fx.view().queue.size() == 3);
  fx.complete("instance_2", "r1");
  REQUIRE(fx.j.jobs.size() == 3);
  CHECK(fx.j.jobs[2] == std::make_pair(std::string("instance_2"), std::string("r2")));
  fx.complete("instance_1", "r0");
  CHECK(fx.j.jobs[3] == std::make_pair(std::string("instance_1"), std::string("r3")));
  auto q = fx.view().queue;
  REQUIRE(q.size() == 1);
  CHECK(q[0].request_id == "r4");
}

TEST_CASE("balancer (deterministic): queue limit refuses with queue_full") {
  deterministic_fixture fx(config_with(2));
  fx.add_instances(1);
  fx.submit("r0");
  fx.submit("r1");
  fx.submit("r2");
  CHECK_FALSE(fx.j.done("r1"));
  CHECK_FALSE(fx.j.done("r2"));
  fx.submit("r3");
  REQUIRE(fx.j.done("r3"));
  auto f = fx.j.all<request_failed>("r3");
  REQUIRE(f.size() == 1);
  CHECK(f[0].code == error_code::queue_full);
  CHECK(f[0].retry_after_s > 0);
  CHECK(f[0].instance_id.empty());
}

TEST_CASE("balancer (deterministic): 120 s queue timeout, time advanced by hand") {
  deterministic_fixture fx(config_with());
  fx.add_instances(1);
  fx.submit("r0");
  fx.submit("r1");
  fx.advance(119s);
  CHECK_FALSE(fx.j.done("r1"));
  CHECK(fx.view().queue.at(0).waiting_ms == 119000);
  fx.advance(1s);
  REQUIRE(fx.j.done("r1"));
  auto f = fx.j.all<request_failed>("r1");
  REQUIRE(f.size() == 1);
  CHECK(f[0].code == error_code::queue_timeout);
  CHECK(fx.view().queue.empty());
  fx.complete("instance_1", "r0");
  CHECK(fx.j.all<request_finished>("r0").size() == 1);
}

TEST_CASE("balancer (deterministic): a stream fails over before its first delta, not after") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  fx.submit("r0", "", true);
  REQUIRE(fx.j.jobs.back().first == "instance_1");
  fx.fail("instance_1", "r0", error_code::browser_gone, false);
  REQUIRE(fx.j.jobs.size() == 2);
  CHECK(fx.j.jobs[1] == std::make_pair(std::string("instance_2"), std::string("r0")));
  CHECK(fx.j.all<request_assigned>("r0").size() == 2);
  fx.complete("instance_2", "r0");
  CHECK(fx.j.all<request_finished>("r0").size() == 1);

  fx.submit("r1", "", true);  // instance_1 is least recently used now
  REQUIRE(fx.j.jobs.back().first == "instance_1");
  fx.fail("instance_1", "r1", error_code::site_error, true);
  REQUIRE(fx.j.done("r1"));
  CHECK(fx.j.jobs.size() == 3);  // not retried
  auto f = fx.j.all<request_failed>("r1");
  REQUIRE(f.size() == 1);
  CHECK(f[0].code == error_code::site_error);
  CHECK(f[0].instance_id == "instance_1");
}

TEST_CASE("balancer (deterministic): a non-stream request fails over even after deltas") {
  // Its reply is written only when whole: the client has received nothing.
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  fx.submit("r0");
  REQUIRE(fx.j.jobs.back().first == "instance_1");
  fx.fail("instance_1", "r0", error_code::browser_gone, true);
  REQUIRE(fx.j.jobs.size() == 2);
  CHECK(fx.j.jobs[1] == std::make_pair(std::string("instance_2"), std::string("r0")));
  CHECK(fx.j.all<request_failed>("r0").empty());
  fx.complete("instance_2", "r0");
  auto done = fx.j.all<request_finished>("r0");
  REQUIRE(done.size() == 1);
  CHECK(done[0].instance_id == "instance_2");
}

TEST_CASE("balancer (deterministic): failover waits for a busy instance it has not tried") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  fx.submit("a");  // instance_1
  fx.submit("b");  // instance_2
  fx.fail("instance_1", "a", error_code::timeout, false);
  // instance_2 is busy: "a" waits at the front of the queue, not on instance_1 again.
  CHECK(fx.j.jobs.size() == 2);
  CHECK_FALSE(fx.j.done("a"));
  fx.submit("c");  // goes to the now free instance_1, "a" may not go there
  CHECK(fx.j.jobs.back() == std::make_pair(std::string("instance_1"), std::string("c")));
  fx.complete("instance_2", "b");
  CHECK(fx.j.jobs.back() == std::make_pair(std::string("instance_2"), std::string("a")));
  fx.complete("instance_2", "a");
  CHECK(fx.j.all<request_finished>("a").size() == 1);
}

TEST_CASE("balancer (deterministic): retries are bounded and never reuse an instance") {
  deterministic_fixture fx(config_with(100, 1));
  fx.add_instances(3);
  fx.submit("r");
  fx.fail(fx.j.jobs.back().first, "r", error_code::rate_limited, false);
  REQUIRE(fx.j.jobs.size() == 2);
  CHECK(fx.j.jobs[0].first != fx.j.jobs[1].first);
  fx.fail(fx.j.jobs.back().first, "r", error_code::rate_limited, false);
  REQUIRE(fx.j.done("r"));
  CHECK(fx.j.jobs.size() == 2);
  CHECK(fx.j.all<request_failed>("r").at(0).code == error_code::rate_limited);
}

TEST_CASE("balancer (deterministic): cancel a queued and a running request") {
  deterministic_fixture fx(config_with());
  fx.add_instances(1);
  fx.submit("running");
  fx.submit("queued");
  CHECK(fx.ask<bool>(cancel_atom::value, std::string("queued")));
  REQUIRE(fx.j.done("queued"));
  CHECK(fx.j.all<request_failed>("queued").at(0).code == error_code::cancelled);
  CHECK(fx.j.all<request_assigned>("queued").empty());
  CHECK(fx.j.cancels["instance_1"] == 0);

  CHECK(fx.ask<bool>(cancel_atom::value, std::string("running")));
  CHECK(fx.j.cancels["instance_1"] == 1);
  REQUIRE(fx.j.done("running"));
  CHECK(fx.j.all<request_failed>("running").at(0).code == error_code::cancelled);
  CHECK(fx.j.jobs.size() == 1);  // a cancel is never failed over

  CHECK_FALSE(fx.ask<bool>(cancel_atom::value, std::string("unknown")));
}

TEST_CASE("balancer (deterministic): cooldown and needs_login move traffic, none left refuses") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  fx.set_status("instance_1", instance_status::cooldown, unix_ms() + 60000);
  for (int i = 0; i < 3; ++i) {
    auto id = "r" + std::to_string(i);
    fx.submit(id);
    CHECK(fx.j.jobs.back().first == "instance_2");
    fx.complete("instance_2", id);
  }
  fx.set_status("instance_2", instance_status::needs_login);
  fx.submit("x");
  REQUIRE(fx.j.done("x"));
  auto f = fx.j.all<request_failed>("x");
  REQUIRE(f.size() == 1);
  CHECK(f[0].code == error_code::no_instances);
  CHECK(f[0].retry_after_s > 50);  // when instance_1's cooldown ends
  CHECK(f[0].retry_after_s <= 60);
  fx.set_status("instance_1", instance_status::ready);
  fx.submit("y");
  CHECK(fx.j.jobs.back() == std::make_pair(std::string("instance_1"), std::string("y")));
}

TEST_CASE("balancer (deterministic): a starting or restarting instance is worth queueing for") {
  deterministic_fixture fx(config_with());
  fx.add_instances(1);
  fx.set_status("instance_1", instance_status::error);
  fx.submit("r");
  CHECK_FALSE(fx.j.done("r"));
  CHECK(fx.view().queue.size() == 1);
  fx.set_status("instance_1", instance_status::ready);
  CHECK(fx.j.jobs.back() == std::make_pair(std::string("instance_1"), std::string("r")));
}

TEST_CASE("balancer (deterministic): an instance that never answers fails over after the deadline") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  fx.submit("r");
  REQUIRE(fx.j.jobs.back().first == "instance_1");
  fx.advance(300s);
  CHECK(fx.j.jobs.size() == 1);  // the instance's own deadlines come first
  fx.advance(100s);              // request timeout + page timeouts + margin
  REQUIRE(fx.j.jobs.size() == 2);
  CHECK(fx.j.jobs.back().first == "instance_2");
  fx.complete("instance_2", "r");
  CHECK(fx.j.all<request_finished>("r").size() == 1);
}

TEST_CASE("balancer (deterministic): unknown models are refused once the list is known") {
  deterministic_fixture fx(config_with());
  fx.add_instances(1);
  fx.submit("early", "anything");  // no list yet: let the page decide
  CHECK(fx.j.jobs.size() == 1);
  fx.complete("instance_1", "early");
  caf::anon_send(fx.balancer,
                 instance_models{"instance_1", {{"gemini-2.5-pro", "Gemini 2.5 Pro"}}});
  fx.run();
  auto models = fx.ask<std::vector<core::model_info>>(caf::get_atom::value, models_atom::value);
  REQUIRE(models.size() == 1);
  fx.submit("bad", "gpt-4o");
  REQUIRE(fx.j.done("bad"));
  CHECK(fx.j.all<request_failed>("bad").at(0).code == error_code::unknown_model);
  fx.submit("good", "models/gemini-2.5-pro");
  CHECK(fx.j.jobs.back().second == "good");
}

TEST_CASE("balancer (deterministic): drain refuses new work and answers when idle") {
  deterministic_fixture fx(config_with());
  fx.add_instances(1);
  fx.submit("running");
  fx.submit("queued");
  auto drained = std::make_shared<int>(0);
  fx.sys->spawn(
      [=](caf::event_based_actor* self, caf::actor b) {
        self->request(b, 3600s, drain_atom::value).then([=](bool) { *drained = 1; });
      },
      fx.balancer);
  fx.run();
  CHECK(*drained == 0);
  REQUIRE(fx.j.done("queued"));
  CHECK(fx.j.all<request_failed>("queued").at(0).code == error_code::shutting_down);
  fx.submit("late");
  CHECK(fx.j.all<request_failed>("late").at(0).code == error_code::shutting_down);
  fx.complete("instance_1", "running");
  CHECK(fx.j.all<request_finished>("running").size() == 1);
  CHECK(*drained == 1);
}

TEST_CASE("monitor (deterministic): a health round every interval") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  std::vector<caf::actor> targets{fx.instances["instance_1"], fx.instances["instance_2"]};
  auto mon = fx.sys->spawn(monitor_actor, targets, std::chrono::milliseconds(30000));
  fx.run();
  CHECK(fx.j.health_checks["instance_1"] == 0);
  fx.advance(29s);
  CHECK(fx.j.health_checks["instance_1"] == 0);
  fx.advance(1s);
  CHECK(fx.j.health_checks["instance_1"] == 1);
  CHECK(fx.j.health_checks["instance_2"] == 1);
  fx.advance(30s);
  CHECK(fx.j.health_checks["instance_1"] == 2);
  caf::anon_send(mon, health_atom::value);  // a round on demand
  fx.run();
  CHECK(fx.j.health_checks["instance_2"] == 3);
  caf::anon_send_exit(mon, caf::exit_reason::user_shutdown);
  fx.run();
}

namespace {

// Joins an already registered scripted instance as a node's (issue 19): the
// balancer then watches it and treats its going down as the node's loss.
void join_as_node(deterministic_fixture& fx, const std::string& id, const std::string& node) {
  node_member m;
  m.id = id;
  m.handle = fx.instances.at(id);
  m.view.id = id;
  m.view.status = instance_status::ready;
  m.view.node_id = node;
  m.view.node_host = "127.0.0.1";
  caf::anon_send(fx.balancer, register_atom::value, m);
  fx.run();
}

}  // namespace

TEST_CASE("balancer (deterministic): a node lost mid-request: its instance leaves, the request fails over") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  join_as_node(fx, "instance_1", "n1");
  auto v = fx.view();
  REQUIRE(v.instances.size() == 2);
  CHECK(v.instances[0].node_id == "n1");
  CHECK(v.instances[0].node_host == "127.0.0.1");
  CHECK(v.instances[1].node_id.empty());
  fx.submit("r1");  // LRU: instance_1 first
  REQUIRE(fx.j.jobs_of("instance_1") == std::vector<std::string>{"r1"});
  caf::anon_send_exit(fx.instances.at("instance_1"), caf::exit_reason::remote_link_unreachable);
  fx.run();
  fx.instances.erase("instance_1");
  REQUIRE(fx.view().instances.size() == 1);
  REQUIRE(fx.j.jobs_of("instance_2") == std::vector<std::string>{"r1"});
  fx.complete("instance_2", "r1");
  CHECK(fx.j.all<request_finished>("r1").size() == 1);
  CHECK(fx.j.all<request_failed>("r1").empty());
}

TEST_CASE("balancer (deterministic): a node lost after a stream's first delta: the stream fails") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  join_as_node(fx, "instance_1", "n1");
  fx.submit("s1", "", true);
  REQUIRE(fx.j.jobs_of("instance_1") == std::vector<std::string>{"s1"});
  caf::anon_send(fx.balancer, first_delta{"s1", "instance_1"});
  fx.run();
  caf::anon_send_exit(fx.instances.at("instance_1"), caf::exit_reason::remote_link_unreachable);
  fx.run();
  fx.instances.erase("instance_1");
  auto failed = fx.j.all<request_failed>("s1");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::browser_gone);
  CHECK(fx.j.jobs_of("instance_2").empty());
}

TEST_CASE("balancer (deterministic): a node's new start replaces its old instance") {
  deterministic_fixture fx(config_with());
  fx.add_instances(2);
  join_as_node(fx, "instance_1", "n1");
  fx.submit("r1");
  REQUIRE(fx.j.jobs_of("instance_1") == std::vector<std::string>{"r1"});
  // Same id, another actor (the node came back before its loss was seen):
  // the running request fails over, the new one serves.
  node_member m;
  m.id = "instance_1";
  // Its own hello goes to a stand-in node agent that drops everything.
  auto agent = fx.sys->spawn(
      [](caf::event_based_actor* self, int) {
        // (caf::drop would answer the sender with an error, which ends it.)
        self->set_default_handler(
            [](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
              return caf::message{};
            });
        return caf::behavior{[](int) {}};
      },
      0);
  m.handle = fx.sys->spawn(scripted_instance, agent, std::string("ghost"), &fx.j);
  m.view.id = "instance_1";
  m.view.status = instance_status::ready;
  m.view.node_id = "n1";
  caf::anon_send(fx.balancer, register_atom::value, m);
  fx.run();
  CHECK(fx.j.jobs_of("instance_2") == std::vector<std::string>{"r1"});
  CHECK(fx.view().instances.size() == 2);
  caf::anon_send_exit(m.handle, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
  fx.run();
}

TEST_CASE("balancer (deterministic): a node lost mid-stream: the sink says whether text went out") {
  // Its first_delta may die with the node: the sink's word decides.
  for (const bool text_out : {false, true}) {
    CAPTURE(text_out);
    deterministic_fixture fx(config_with());
    fx.add_instances(2);
    join_as_node(fx, "instance_1", "n1");
    fx.submit("s1", "", true);
    REQUIRE(fx.j.jobs_of("instance_1") == std::vector<std::string>{"s1"});
    if (text_out) caf::anon_send(fx.sink, request_delta{"s1", "par", ""});
    fx.run();
    caf::anon_send_exit(fx.instances.at("instance_1"), caf::exit_reason::remote_link_unreachable);
    fx.run();
    fx.instances.erase("instance_1");
    if (text_out) {
      CHECK(fx.j.all<request_failed>("s1").size() == 1);
      CHECK(fx.j.jobs_of("instance_2").empty());
    } else {
      CHECK(fx.j.all<request_failed>("s1").empty());
      CHECK(fx.j.jobs_of("instance_2") == std::vector<std::string>{"s1"});
    }
  }
}

TEST_CASE("balancer (deterministic): an instance actor that dies mid-request is browser_gone, not a timeout") {
  deterministic_fixture fx(config_with(100, 0));
  fx.add_instances(2);
  fx.submit("r1");
  REQUIRE(fx.j.jobs_of("instance_1") == std::vector<std::string>{"r1"});
  caf::anon_send_exit(fx.instances.at("instance_1"), caf::exit_reason::kill);
  fx.run();
  fx.instances.erase("instance_1");
  auto failed = fx.j.all<request_failed>("r1");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::browser_gone);
  CHECK(failed[0].code != error_code::timeout);
}
