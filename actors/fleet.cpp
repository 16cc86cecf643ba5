#include "actors/fleet.hpp"
#include "actors/browser_sidecar.hpp"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/auth_watch.hpp"
#include "actors/balancer_actor.hpp"
#include "actors/caf_thread_guard.hpp"
#include "actors/gateway_impl.hpp"
#include "actors/instance_actor.hpp"
#include "actors/messages.hpp"
#include "actors/monitor_actor.hpp"
#include "actors/fleet_nodes.hpp"
#include "actors/node_link.hpp"
#include "actors/profile_file.hpp"
#include "actors/spare_actor.hpp"

namespace camoufleet {

std::vector<std::string> discover_auth_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& p = it->path();
    if (is_profile_file(p.string()) && it->is_regular_file(ec)) out.push_back(p.string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct fleet::impl {
  fleet_options options;
  browser::session_factory factory;
  caf::actor_system_config config;
  std::unique_ptr<caf::actor_system> system;
  caf::actor balancer;
  caf::actor monitor;
  caf::actor registry;  // head: where nodes join
  caf::actor spares;    // the warm spare pool, when there is one
  int node_port = -1;
  std::unique_ptr<gateway_impl> api;
  bool started = false;
  bool stopped = false;

  struct member {
    std::string id;
    std::string auth_file;
    caf::actor handle;
  };
  std::mutex mu;  // members, leaving, next_index, snapshot: main vs watcher thread
  std::vector<member> members;   // live instances in id order
  std::vector<caf::actor> leaving;  // removed, still draining
  int next_index = 0;
  dir_snapshot snapshot;
  bool dir_missing_logged = false;
  std::shared_ptr<profile_writes> writes = std::make_shared<profile_writes>();

  std::thread watcher;
  std::condition_variable watch_cv;
  bool watch_stop = false;

  // Caller holds mu.
  caf::actor spawn_instance(const std::string& auth_file, const std::string& ws_endpoint);
  void watch_loop();
  void poll_once();
};

namespace {

std::string file_name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

}  // namespace

caf::actor fleet::impl::spawn_instance(const std::string& auth_file,
                                       const std::string& ws_endpoint) {
  const int i = next_index++;
  instance_config ic;
  ic.id = "instance_" + std::to_string(i + 1);
  if (options.nodes.head_port > 0) ic.id = node_link::member_id(options.nodes.node_id, ic.id);
  ic.options = options.base;
  ic.options.instance_id = ic.id;
  ic.options.auth_file = auth_file;
  ic.options.ws_endpoint = ws_endpoint;
  // A hint only: the session reports the port it really got.
  ic.options.base_port = options.base.base_port + i;
  ic.factory = factory;
  try {
    if (!auth_file.empty() && ws_endpoint.empty() && apply_browser_sidecar(auth_file, ic.options))
      spdlog::info("{}: {} names {} ({})", ic.id, file_name(browser_sidecar_path(auth_file)),
                   browser::to_string(ic.options.kind), ic.options.browser_path);
    if (!auth_file.empty() && ws_endpoint.empty() && apply_fingerprint_sidecar(auth_file, ic.options))
      spdlog::info("{}: Camoufox fingerprint from {}", ic.id, file_name(ic.options.fingerprint_file));
  } catch (const std::invalid_argument& e) {
    // The instance shows the reason, as for a broken profile file.
    const std::string why = e.what();
    ic.factory = [why](const browser::session_options&, browser::exit_callback) -> std::unique_ptr<browser::session> {
      throw core::driver_error(core::failure_kind::invalid_profile, why);
    };
  }
  ic.timing = options.timing;
  ic.balancer = balancer;
  ic.relay_through_balancer = options.nodes.head_port > 0;
  ic.spares = spares;
  ic.spare_fits = spares && spare_fits(ic.options, options.base);
  if (spares && !ic.spare_fits && ws_endpoint.empty())
    spdlog::info("{}: no warm spare fits its browser ({}{}): it restarts cold", ic.id,
                 browser::to_string(ic.options.kind),
                 ic.options.fingerprint_file.empty() ? ", " + ic.options.browser_path : " with a fingerprint");
  if (options.write_back && ws_endpoint.empty()) ic.writes = writes;
  spdlog::info("Starting instance {} (port: {}, auth file: {})", ic.id, ic.options.base_port,
               auth_file.empty() ? "-" : file_name(auth_file));
  auto id = ic.id;
  auto handle = system->spawn(instance_actor, std::move(ic));
  members.push_back({id, auth_file, handle});
  return handle;
}

void fleet::impl::watch_loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu);
      watch_cv.wait_for(lock, options.timing.auth_poll_interval, [this] { return watch_stop; });
      if (watch_stop) return;
    }
    try {
      // Only ever called through the owning fleet, which joins us first.
      poll_once();
    } catch (const std::exception& e) {
      spdlog::error("watching {} failed: {}", options.auth_dir, e.what());
    }
  }
}

fleet::fleet(fleet_options options, browser::session_factory factory) : impl_(std::make_unique<impl>()) {
  caf_thread_guard thread_guard;
  auto& d = *impl_;
  d.options = std::move(options);
  d.factory = std::move(factory);
  register_types(d.config);
  d.config.set("scheduler.max-threads",
               static_cast<size_t>(std::max(1, d.options.scheduler_threads)));
  // Idle workers sleep on a condition variable; with CAF's default (work
  // stealing) they poll for ~25 ms after every message, so an answer's
  // deltas ~20 ms apart kept both polling (bench P1's CPU per answer).
  d.config.set("scheduler.policy", caf::atom("sharing"));
  const auto& nodes = d.options.nodes;
  configure_for_nodes(d.config, nodes);
  d.system = std::make_unique<caf::actor_system>(d.config);
  if (nodes.head_port > 0) {
    // A node has no balancer of its own: its agent stands in for it and
    // joins the instances to the head's.
    d.balancer = spawn_node_agent(*d.system, nodes);
    d.api = std::make_unique<gateway_impl>(*d.system, d.balancer, d.options.timing.ask_timeout);
    return;
  }
  balancer_config bc;
  bc.timing = d.options.timing;
  bc.queue_limit = static_cast<std::size_t>(std::max(0, d.options.queue_limit));
  bc.max_retries = d.options.max_retries;
  bc.multi = d.options.multi;
  d.balancer = d.system->spawn(balancer_actor, bc);
  d.api = std::make_unique<gateway_impl>(*d.system, d.balancer, d.options.timing.ask_timeout);
  if (nodes.listen_port < 0) return;
  auto pub = publish_registry(*d.system, d.balancer, nodes, d.options.timing.ask_timeout);
  if (!pub.registry) {
    caf::anon_send_exit(d.balancer, caf::exit_reason::user_shutdown);
    d.balancer = nullptr;
    d.api->close();
    d.system->await_all_actors_done();
    d.system.reset();
    throw std::runtime_error(pub.error);
  }
  d.registry = pub.registry;
  d.node_port = pub.port;
}

int fleet::node_port() const { return impl_->node_port; }

fleet::~fleet() {
  try {
    shutdown(std::chrono::milliseconds(0));
  } catch (const std::exception& e) {
    spdlog::error("fleet shutdown failed: {}", e.what());
  }
}

void fleet::start() {
  caf_thread_guard thread_guard;
  auto& d = *impl_;
  if (d.started || d.stopped) return;
  d.started = true;
  struct plan {
    std::string auth_file;
    std::string ws_endpoint;
  };
  std::vector<plan> plans;
  auto files = d.options.auth_files;
  std::sort(files.begin(), files.end());
  if (d.options.multi) {
    spdlog::info("Found {} auth files, starting multi-instance mode", files.size());
    for (const auto& f : files) plans.push_back({f, ""});
    if (plans.empty()) spdlog::warn("No auth files: the fleet has no instances");
  } else if (!d.options.ws_endpoint.empty()) {
    spdlog::info("Single-instance mode: attaching to {}", d.options.ws_endpoint);
    plans.push_back({files.empty() ? std::string() : files.front(), d.options.ws_endpoint});
  } else {
    spdlog::info("Single-instance mode{}", files.empty() ? " (no auth file)" : "");
    plans.push_back({files.empty() ? std::string() : files.front(), ""});
  }
  std::lock_guard<std::mutex> lock(d.mu);
  if (d.options.spare_browsers > 0 && d.options.spares)
    d.spares = spawn_spare_actor(*d.system, d.options.spares, d.options.spare_browsers,
                                 d.options.timing, d.balancer);
  caf::anon_send(d.balancer, register_atom::value, static_cast<int>(plans.size()));
  std::vector<caf::actor> handles;
  for (const auto& p : plans) handles.push_back(d.spawn_instance(p.auth_file, p.ws_endpoint));
  d.monitor = d.system->spawn(monitor_actor, handles, d.options.timing.monitor_interval);
  if (d.options.multi && d.options.watch_auth_dir && !d.options.auth_dir.empty()) {
    // Files that appeared since the fleet was planned count as added.
    std::set<std::string> known(files.begin(), files.end());
    if (auto now = scan_auth_dir(d.options.auth_dir)) {
      for (auto& [path, stamp] : *now)
        if (known.count(path) > 0) d.snapshot[path] = stamp;
    }
    spdlog::info("Watching {} for added, removed and changed auth files (every {} ms)",
                 d.options.auth_dir, d.options.timing.auth_poll_interval.count());
    d.watcher = std::thread([&d] { d.watch_loop(); });
  }
}

void fleet::poll_auth_dir() { impl_->poll_once(); }

void fleet::impl::poll_once() {
  caf_thread_guard thread_guard;
  std::lock_guard<std::mutex> lock(mu);
  if (stopped || !system) return;
  auto now = scan_auth_dir(options.auth_dir);
  if (!now) {
    if (!dir_missing_logged)
      spdlog::warn("Auth dir {} cannot be listed; keeping the instances as they are",
                   options.auth_dir);
    dir_missing_logged = true;
    return;
  }
  dir_missing_logged = false;
  auto diff = diff_snapshots(snapshot, *now);
  auto find = [&](const std::string& path) {
    return std::find_if(members.begin(), members.end(),
                        [&](const member& m) { return m.auth_file == path; });
  };
  for (const auto& path : diff.removed) {
    auto it = find(path);
    if (it == members.end()) continue;
    spdlog::info("Auth file {} removed: draining and stopping {}", file_name(path), it->id);
    caf::anon_send(it->handle, remove_atom::value);
    if (monitor) caf::anon_send(monitor, remove_atom::value, it->handle);
    leaving.push_back(it->handle);
    members.erase(it);
    writes->forget(path);
    caf::anon_send(balancer, register_atom::value, static_cast<int>(members.size()));
  }
  for (const auto& path : diff.added) {
    if (find(path) != members.end()) continue;
    spdlog::info("Auth file {} added", file_name(path));
    caf::anon_send(balancer, register_atom::value, static_cast<int>(members.size() + 1));
    auto handle = spawn_instance(path, "");
    if (monitor) caf::anon_send(monitor, register_atom::value, handle);
  }
  for (const auto& path : diff.changed) {
    auto it = find(path);
    if (it == members.end()) continue;
    auto text = read_whole_file(path);
    if (text && writes->is_ours(path, *text)) continue;  // our own refresh write
    spdlog::info("Auth file {} changed: restarting {} with it", file_name(path), it->id);
    caf::anon_send(it->handle, reload_atom::value);
  }
  snapshot = std::move(*now);
}

gateway& fleet::api() { return *impl_->api; }

bool fleet::wait_settled(std::chrono::milliseconds timeout) {
  caf_thread_guard thread_guard;
  auto& d = *impl_;
  if (!d.system) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  caf::scoped_actor self{*d.system};
  for (;;) {
    bool settled = false;
    self->request(d.balancer, d.options.timing.ask_timeout, settled_atom::value)
        .receive([&](bool b) { settled = b; }, [&](caf::error&) {});
    if (settled) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

fleet_view fleet::snapshot(std::chrono::milliseconds timeout) {
  caf_thread_guard thread_guard;
  auto& d = *impl_;
  fleet_view v;
  if (!d.system) return v;
  caf::scoped_actor self{*d.system};
  self->request(d.balancer, timeout, caf::get_atom::value, fleet_atom::value)
      .receive([&](fleet_view& x) { v = std::move(x); }, [&](caf::error&) {});
  return v;
}

void fleet::check_health() {
  caf_thread_guard thread_guard;
  auto& d = *impl_;
  if (d.system && d.monitor) caf::anon_send(d.monitor, health_atom::value);
}

bool fleet::reload(const std::string& instance_id, std::chrono::milliseconds timeout) {
  caf_thread_guard thread_guard;
  auto& d = *impl_;
  if (!d.system) return false;
  caf::actor handle;
  {
    std::lock_guard<std::mutex> lock(d.mu);
    for (const auto& m : d.members)
      if (m.id == instance_id) handle = m.handle;
  }
  if (!handle) return false;
  bool ok = false;
  caf::scoped_actor self{*d.system};
  self->request(handle, timeout, reload_atom::value)
      .receive([&](bool b) { ok = b; }, [&](caf::error&) {});
  return ok;
}

void fleet::shutdown(std::chrono::milliseconds grace) {
  auto& d = *impl_;
  if (d.stopped || !d.system) return;
  {
    caf::scoped_actor self{*d.system};
    // Refuse new requests first, before anything is said: the gateway at
    // once, then the balancer (it starts draining as soon as the request
    // arrives, which also fails what is queued). Stopping the auth-dir
    // watcher can take a moment, and nothing may be admitted meanwhile.
    d.api->stop_admitting();
    spdlog::info("Shutting down: waiting up to {} ms for running requests", grace.count());
    auto drained = self->request(d.balancer, std::max(grace, std::chrono::milliseconds(1)),
                                 drain_atom::value);
    if (d.watcher.joinable()) {
      {
        std::lock_guard<std::mutex> lock(d.mu);
        d.watch_stop = true;
      }
      d.watch_cv.notify_all();
      d.watcher.join();
    }
    std::vector<caf::actor> instances;
    {
      std::lock_guard<std::mutex> lock(d.mu);
      d.stopped = true;
      for (const auto& m : d.members) instances.push_back(m.handle);
      instances.insert(instances.end(), d.leaving.begin(), d.leaving.end());
      d.members.clear();
      d.leaving.clear();
    }
    drained.receive([](bool) {}, [](caf::error&) {});
    // Close every browser at once; each reply comes when its browser is gone.
    const auto close_wait = d.options.timing.close_grace + std::chrono::seconds(5);
    std::vector<caf::response_handle<caf::blocking_actor, caf::message, true>> pending;
    for (auto& inst : instances) {
      pending.push_back(self->request(inst, close_wait, stop_atom::value));
    }
    for (auto& h : pending) h.receive([](bool) {}, [](caf::error&) {});
    stop_spares(*d.system, d.spares, d.options.spares, d.options.timing);
    if (d.monitor) self->send_exit(d.monitor, caf::exit_reason::user_shutdown);
    if (d.registry) self->send_exit(d.registry, caf::exit_reason::user_shutdown);
    for (auto& inst : instances) self->send_exit(inst, caf::exit_reason::user_shutdown);
    self->send_exit(d.balancer, caf::exit_reason::user_shutdown);
  }  // the scoped actor is gone before the system waits for all actors
  d.api->close();  // stays valid until ~fleet: late HTTP calls get shutting_down
  d.monitor = nullptr;
  d.registry = nullptr;
  d.balancer = nullptr;
  d.system->await_all_actors_done();
  d.system.reset();
  spdlog::info("Fleet stopped");
}

}  // namespace camoufleet
