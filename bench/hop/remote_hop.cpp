// P6's hop, without a browser: the latency CAF's network layer adds to a
// request served by an instance on another node, measured with the
// messages the balancer and an instance really exchange (run_job, then
// request_delta events to the request's sink, request_finished, and the
// job_outcome answer), side by side with the same exchange inside one
// actor system, alternating pair by pair.
//
// The "node" is a second actor system in this process, reached through its
// own middleman over loopback TCP: the same path as `camoufleet node`,
// minus the process boundary. The browser-driven P6 (bench/p6-nodes.mjs)
// cannot resolve this: a browser request varies by tens of milliseconds.
//
//   build/bench/hop/remote-hop [--pairs 2000] [--deltas 24] [--warmup 200]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/messages.hpp"

using namespace camoufleet;
using clock_type = std::chrono::steady_clock;

namespace {

// An instance stand-in: streams `deltas` deltas to the job's sink, then the
// finished event, and answers the job with its outcome, as instance actors
// do. On the node (`agent` set) the finished event and the outcome go
// through a node agent stand-in, as a node's instances send them
// (relay_atom, behind the state they published).
caf::behavior stub_instance(caf::event_based_actor* self, int deltas, caf::actor agent) {
  return {
      [self, deltas, agent](run_job& job) {
        auto rp = self->make_response_promise();
        for (int i = 0; i < deltas; ++i)
          self->send(job.sink, request_delta{job.request.id, "tok ", ""});
        request_finished done;
        done.request_id = job.request.id;
        done.instance_id = "stub";
        done.finish_reason = "stop";
        job_outcome out;
        out.request_id = job.request.id;
        out.ok = true;
        if (agent) {
          self->send(agent, relay_atom::value, job.sink, std::move(done));
          rp.delegate(agent, relay_atom::value, std::move(out));
        } else {
          self->send(job.sink, std::move(done));
          rp.deliver(std::move(out));
        }
      },
  };
}

// The node agent's relay, as actors/node_agent.cpp has it.
caf::behavior relay_agent(caf::event_based_actor* self) {
  return {
      [self](relay_atom, caf::actor& sink, request_finished& fin) { self->send(sink, std::move(fin)); },
      [](relay_atom, job_outcome& o) { return std::move(o); },
  };
}

struct sample {
  double first_us = 0;  // job sent -> first delta
  double total_us = 0;  // job sent -> finished and outcome both in
};

sample one_job(caf::scoped_actor& self, const caf::actor& instance, int n) {
  completion_request req;
  req.id = "chatcmpl-hop-" + std::to_string(n);
  req.messages.push_back(core::chat_message{});
  const auto t0 = clock_type::now();
  self->send(instance, run_job{req, caf::actor{self}});
  sample s;
  bool finished = false, answered = false;
  int seen = 0;
  while (!(finished && answered)) {
    self->receive(
        [&](request_delta&) {
          if (seen++ == 0)
            s.first_us = std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
        },
        [&](request_finished&) { finished = true; },
        [&](job_outcome&) { answered = true; },
        caf::after(std::chrono::seconds(10)) >> [&] {
          std::fprintf(stderr, "remote-hop: no answer within 10 s\n");
          std::exit(1);
        });
  }
  s.total_us = std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
  return s;
}

double quantile(std::vector<double> xs, double q) {
  std::sort(xs.begin(), xs.end());
  return xs[static_cast<size_t>(q * (xs.size() - 1))];
}

int arg(int argc, char** argv, const char* name, int def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  return def;
}

class config : public caf::actor_system_config {
 public:
  config() {
    register_types(*this);
    load<caf::io::middleman>();
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int pairs = arg(argc, argv, "--pairs", 2000);
  const int deltas = arg(argc, argv, "--deltas", 24);
  const int warmup = arg(argc, argv, "--warmup", 200);

  config head_cfg, node_cfg;
  caf::actor_system head{head_cfg};
  caf::actor_system node{node_cfg};

  auto agent = node.spawn(relay_agent);
  auto remote_stub = node.spawn(stub_instance, deltas, agent);
  auto port = node.middleman().publish(remote_stub, 0, "127.0.0.1", true);
  if (!port) {
    std::fprintf(stderr, "remote-hop: publish failed: %s\n", node.render(port.error()).c_str());
    return 1;
  }
  auto remote = head.middleman().remote_actor("127.0.0.1", *port);
  if (!remote) {
    std::fprintf(stderr, "remote-hop: connect failed: %s\n", head.render(remote.error()).c_str());
    return 1;
  }
  auto local = head.spawn(stub_instance, deltas, caf::actor{});

  caf::scoped_actor self{head};
  for (int i = 0; i < warmup; ++i) {
    one_job(self, local, i);
    one_job(self, *remote, i);
  }
  std::vector<double> first_diff, total_diff, local_first, remote_first, local_total, remote_total;
  for (int i = 0; i < pairs; ++i) {
    const bool remote_first_in_pair = i % 2 == 1;
    sample a, b;
    if (remote_first_in_pair) {
      b = one_job(self, *remote, i);
      a = one_job(self, local, i);
    } else {
      a = one_job(self, local, i);
      b = one_job(self, *remote, i);
    }
    local_first.push_back(a.first_us);
    remote_first.push_back(b.first_us);
    local_total.push_back(a.total_us);
    remote_total.push_back(b.total_us);
    first_diff.push_back((b.first_us - a.first_us) / 1000.0);
    total_diff.push_back((b.total_us - a.total_us) / 1000.0);
  }
  const double added_first = quantile(first_diff, 0.5);
  const double added_total = quantile(total_diff, 0.5);
  std::printf(
      "P6 hop: latency a remote instance adds (CAF middleman, loopback, no browser): "
      "first delta p50 %.3f ms (p95 %.3f), whole job with %d deltas p50 %.3f ms (p95 %.3f); "
      "local p50 %.1f / %.1f us, remote p50 %.1f / %.1f us; %d alternating pairs; target <= 2 ms: %s\n",
      added_first, quantile(first_diff, 0.95), deltas, added_total, quantile(total_diff, 0.95),
      quantile(local_first, 0.5), quantile(local_total, 0.5), quantile(remote_first, 0.5),
      quantile(remote_total, 0.5), pairs, std::max(added_first, added_total) <= 2.0 ? "MET" : "MISSED");
  self->send_exit(local, caf::exit_reason::user_shutdown);
  anon_send_exit(remote_stub, caf::exit_reason::user_shutdown);
  anon_send_exit(agent, caf::exit_reason::user_shutdown);
  return 0;
}
