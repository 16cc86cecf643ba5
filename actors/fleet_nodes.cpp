#include "actors/fleet_nodes.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include "actors/node_agent.hpp"
#include "actors/registry_actor.hpp"

namespace camoufleet {

void configure_for_nodes(caf::actor_system_config& cfg, const node_options& o) {
  if (o.head_port <= 0 && o.listen_port < 0) return;
  cfg.load<caf::io::middleman>();
  if (!o.tls()) return;
  cfg.openssl_certificate = o.tls_cert;
  cfg.openssl_key = o.tls_key;
  cfg.openssl_cafile = o.tls_ca;
  cfg.load<caf::openssl::manager>();
}

caf::actor spawn_node_agent(caf::actor_system& sys, const node_options& o) {
  node_agent_config ac;
  ac.head_host = o.head_host;
  ac.head_port = static_cast<std::uint16_t>(o.head_port);
  ac.node_id = o.node_id;
  ac.host = o.host;
  ac.secret = o.secret;
  ac.tls = o.tls();
  return sys.spawn(node_agent, ac);
}

published_registry publish_registry(caf::actor_system& sys, caf::actor balancer,
                                    const node_options& o, std::chrono::milliseconds ask_timeout) {
  registry_config rc;
  rc.balancer = std::move(balancer);
  rc.secret = o.secret;
  rc.ask_timeout = ask_timeout;
  published_registry out;
  out.registry = sys.spawn(registry_actor, rc);
  // reuse_addr: a restarted head gets its port back at once.
  const auto want = static_cast<std::uint16_t>(o.listen_port);
  auto port = o.tls() ? caf::openssl::publish(out.registry, want, o.listen_host.c_str(), true)
                      : sys.middleman().publish(out.registry, want, o.listen_host.c_str(), true);
  if (port) {
    out.port = *port;
    return out;
  }
  out.error = "--node-listen " + o.listen_host + ":" + std::to_string(o.listen_port) + ": " +
              sys.render(port.error());
  caf::anon_send_exit(out.registry, caf::exit_reason::user_shutdown);
  out.registry = nullptr;
  return out;
}

}  // namespace camoufleet
