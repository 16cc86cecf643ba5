#include "actors/fleet.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <utility>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/balancer_actor.hpp"
#include "actors/caf_thread_guard.hpp"
#include "actors/gateway_impl.hpp"
#include "actors/instance_actor.hpp"
#include "actors/messages.hpp"
#include "actors/monitor_actor.hpp"

namespace camoufleet {

std::vector<std::string> discover_auth_files(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& p = it->path();
    if (p.extension() == ".json" && it->is_regular_file(ec)) out.push_back(p.string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct fleet::impl {
  fleet_options options;
  cdp::session_factory factory;
  caf::actor_system_config config;
  std::unique_ptr<caf::actor_system> system;
  caf::actor balancer;
  caf::actor monitor;
  std::vector<caf::actor> instances;
  std::unique_ptr<gateway_impl> api;
  bool started = false;
  bool stopped = false;
};

namespace {

std::string file_name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

}  // namespace

fleet::fleet(fleet_options options, cdp::session_factory factory) : impl_(std::make_unique<impl>()) {
  caf_thread_guard thread_guard;
  auto& d = *impl_;
  d.options = std::move(options);
  d.factory = std::move(factory);
  register_types(d.config);
  d.config.set("scheduler.max-threads",
               static_cast<size_t>(std::max(1, d.options.scheduler_threads)));
  d.system = std::make_unique<caf::actor_system>(d.config);
  balancer_config bc;
  bc.timing = d.options.timing;
  bc.queue_limit = static_cast<std::size_t>(std::max(0, d.options.queue_limit));
  bc.max_retries = d.options.max_retries;
  bc.multi = d.options.multi;
  d.balancer = d.system->spawn(balancer_actor, bc);
  d.api = std::make_unique<gateway_impl>(*d.system, d.balancer, d.options.timing.ask_timeout);
}

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
  caf::anon_send(d.balancer, register_atom::value, static_cast<int>(plans.size()));
  for (std::size_t i = 0; i < plans.size(); ++i) {
    instance_config ic;
    ic.id = "instance_" + std::to_string(i + 1);
    ic.options = d.options.base;
    ic.options.instance_id = ic.id;
    ic.options.auth_file = plans[i].auth_file;
    ic.options.ws_endpoint = plans[i].ws_endpoint;
    // A hint only: the session reports the port it really got.
    ic.options.base_port = d.options.base.base_port + static_cast<int>(i);
    ic.factory = d.factory;
    ic.timing = d.options.timing;
    ic.balancer = d.balancer;
    spdlog::info("Starting instance {} (port: {}, auth file: {})", ic.id, ic.options.base_port,
                 plans[i].auth_file.empty() ? "-" : file_name(plans[i].auth_file));
    d.instances.push_back(d.system->spawn(instance_actor, std::move(ic)));
  }
  d.monitor = d.system->spawn(monitor_actor, d.instances, d.options.timing.monitor_interval);
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
  for (std::size_t i = 0; i < d.instances.size(); ++i) {
    if ("instance_" + std::to_string(i + 1) != instance_id) continue;
    bool ok = false;
    caf::scoped_actor self{*d.system};
    self->request(d.instances[i], timeout, reload_atom::value)
        .receive([&](bool b) { ok = b; }, [&](caf::error&) {});
    return ok;
  }
  return false;
}

void fleet::shutdown(std::chrono::milliseconds grace) {
  auto& d = *impl_;
  if (d.stopped || !d.system) return;
  d.stopped = true;
  {
    caf::scoped_actor self{*d.system};
    spdlog::info("Shutting down: waiting up to {} ms for running requests", grace.count());
    self->request(d.balancer, std::max(grace, std::chrono::milliseconds(1)), drain_atom::value)
        .receive([](bool) {}, [](caf::error&) {});
    // Close every browser at once; each reply comes when its browser is gone.
    const auto close_wait = d.options.timing.close_grace + std::chrono::seconds(5);
    std::vector<caf::response_handle<caf::blocking_actor, caf::message, true>> pending;
    for (auto& inst : d.instances) {
      pending.push_back(self->request(inst, close_wait, stop_atom::value));
    }
    for (auto& h : pending) h.receive([](bool) {}, [](caf::error&) {});
    if (d.monitor) self->send_exit(d.monitor, caf::exit_reason::user_shutdown);
    for (auto& inst : d.instances) self->send_exit(inst, caf::exit_reason::user_shutdown);
    self->send_exit(d.balancer, caf::exit_reason::user_shutdown);
  }
  d.api->close();  // stays valid until ~fleet: late HTTP calls get shutting_down
  d.monitor = nullptr;
  d.instances.clear();
  d.balancer = nullptr;
  d.system->await_all_actors_done();
  d.system.reset();
  spdlog::info("Fleet stopped");
}

}  // namespace camoufleet
