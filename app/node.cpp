#include "app/node.hpp"

#include <cstdio>

#include <spdlog/spdlog.h>

namespace camoufleet::app {

void wait_and_drain(const sigset_t& stop_signals, fleet& instances, const config::settings& s,
                    const std::function<void()>& on_reload) {
  int sig = 0;
  for (;;) {
    sigwait(&stop_signals, &sig);
    if (sig != SIGHUP) break;
    // `systemctl reload`: read the auth dir now rather than at the next poll.
    spdlog::info("SIGHUP: reading the auth dir {} again", s.auth_dir);
    instances.poll_auth_dir();
    if (on_reload) on_reload();
  }
  spdlog::info("Signal {} received: draining (grace {} s)", sig, s.shutdown_grace.count());
  instances.shutdown(std::chrono::duration_cast<std::chrono::milliseconds>(s.shutdown_grace));
}

int run_node(const config::settings& s, fleet& instances, const sigset_t& stop_signals) {
  // Scripts and tests read this line to know the node runs.
  std::printf("camoufleet node %s joining %s:%d\n", s.node_id.c_str(), s.head_host.c_str(),
              s.head_port);
  std::fflush(stdout);
  spdlog::info("Node {}: joining the head at {}:{} ({})", s.node_id, s.head_host, s.head_port,
               s.node_secret.empty() ? "no node secret" : "with the node secret");
  wait_and_drain(stop_signals, instances, s);
  spdlog::info("Stopped");
  return 0;
}

}  // namespace camoufleet::app
