#pragma once
// The fleet of browser instances behind one gateway. No CAF in this header:
// app/ and tests build one from plain options and a session factory.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/gateway.hpp"
#include "actors/timing.hpp"
#include "actors/types.hpp"
#include "browser/session.hpp"
#include "browser/spares.hpp"

namespace camoufleet {

// Issue 19: instances on other hosts, joined over CAF's middleman.
struct node_options {
  // Head: publish the node registry here (listen_port -1: no nodes; 0: any
  // free port, see fleet::node_port()).
  std::string listen_host = "127.0.0.1";
  int listen_port = -1;
  std::string secret;  // head and node: --node-secret-file's content ("" = none)
  // Node: join the head at head_host:head_port (0: this is no node).
  std::string head_host;
  int head_port = 0;
  std::string node_id;  // prefixes its instance ids: "<node_id>.instance_N"
  std::string host;     // how the node names itself in logs
  // TLS (CAF's OpenSSL module), head and node alike: this side's certificate
  // and key, and the CA that the other side's certificate must be signed by.
  // All three set: the link is TLS and both sides must show a certificate.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  bool tls() const { return !tls_cert.empty(); }
};

struct fleet_options {
  std::vector<std::string> auth_files;  // paths; one instance each in multi mode
  bool multi = false;
  std::string ws_endpoint;              // single mode: attach instead of launching
  browser::session_options base;            // browser, display, base_port, site, profile_root...
  fleet_timing timing;
  int queue_limit = 100;
  int max_retries = 2;
  int scheduler_threads = 2;
  // Multi mode only: poll this dir (every timing.auth_poll_interval) and add
  // an instance for a new *.json, drain and remove one whose file is gone,
  // restart one whose file was changed by someone else.
  std::string auth_dir;
  bool watch_auth_dir = false;
  // Write each instance's refreshed session back to its profile file.
  bool write_back = true;
  node_options nodes;
  // Warm spare browsers (process isolation): spare_browsers kept on the
  // shelf (the same one the session factory adopts from) for instances
  // restarting after a crash. 0 or no shelf: none.
  int spare_browsers = 0;
  std::shared_ptr<browser::spare_shelf> spares;
};

// Sorted paths of the *.json profile files directly in dir (not the
// *.browser.json sidecars); empty if dir is missing.
std::vector<std::string> discover_auth_files(const std::string& dir);

class fleet {
 public:
  fleet(fleet_options options, browser::session_factory factory);
  ~fleet();  // shutdown(0) unless it ran already
  fleet(const fleet&) = delete;
  fleet& operator=(const fleet&) = delete;

  // Spawns the actors and starts every browser in parallel; returns at once.
  void start();
  gateway& api();

  // Blocking helpers for the main thread and tests (never for HTTP threads).
  // True once no instance is still starting.
  bool wait_settled(std::chrono::milliseconds timeout);
  fleet_view snapshot(std::chrono::milliseconds timeout);
  // Runs one health round now instead of at the next monitor tick.
  void check_health();
  // A fresh login arrived for an instance (restarts it; after its current
  // request when busy).
  bool reload(const std::string& instance_id, std::chrono::milliseconds timeout);

  // New requests are refused with shutting_down, queued ones fail, running
  // ones get up to grace to finish, then every browser is closed.
  void shutdown(std::chrono::milliseconds grace);

  // Head: the port nodes join on (-1 when it does not listen for nodes).
  int node_port() const;

  // One poll of the auth dir now (the watcher thread does this on its own).
  void poll_auth_dir();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace camoufleet
