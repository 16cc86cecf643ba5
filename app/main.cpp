// camoufleet: settings → fleet of browser instances (actors/) → HTTP (http/).
// main() only wires the parts together and waits for a signal.

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "actors/fleet.hpp"
#include "app/login.hpp"
#include "app/node.hpp"
#include "app/responses_file.hpp"
#include "browser/browser_process.hpp"
#include "browser/session.hpp"
#include "browser/virtual_display.hpp"
#include "config/key_file.hpp"
#include "config/logging.hpp"
#include "config/node_settings.hpp"
#include "config/settings_parser.hpp"
#include "http/server.hpp"
#include "site/site_profile.hpp"

namespace {

using namespace camoufleet;

browser::display_mode to_cdp(config::display_mode m) {
  switch (m) {
    case config::display_mode::visible: return browser::display_mode::visible;
    case config::display_mode::virtual_display: return browser::display_mode::virtual_display;
    case config::display_mode::headless: break;
  }
  return browser::display_mode::headless;
}

browser::browser_kind to_browser(config::browser_kind k) {
  if (k == config::browser_kind::firefox) return browser::browser_kind::firefox;
  return k == config::browser_kind::camoufox ? browser::browser_kind::camoufox : browser::browser_kind::chromium;
}

std::optional<std::chrono::milliseconds> env_ms(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  if (*end != '\0' || n < 0) {
    spdlog::warn("{}={} is not a number of milliseconds; ignored", name, v);
    return std::nullopt;
  }
  return std::chrono::milliseconds(n);
}

fleet_options fleet_options_from(const config::settings& s, const std::string& x_display) {
  fleet_options o;
  o.multi = s.multi;
  o.ws_endpoint = s.ws_endpoint;
  if (s.ws_endpoint.empty()) o.auth_files = discover_auth_files(s.auth_dir);
  // Only multi mode follows the auth dir while running; single mode reads
  // its one file at start (a change needs a restart of camoufleet).
  o.auth_dir = s.auth_dir;
  o.watch_auth_dir = s.multi && s.ws_endpoint.empty();
  o.base.kind = to_browser(s.kind);
  // Chromium's endpoints are ws://host:port/devtools/browser/<id>; one
  // without that path (ws://host:port or .../session) is WebDriver BiDi.
  if (!s.ws_endpoint.empty() && s.kind == config::browser_kind::chromium &&
      s.ws_endpoint.find("/devtools/") == std::string::npos) {
    spdlog::info("--ws-endpoint {} has no /devtools/ path: attaching over WebDriver BiDi", s.ws_endpoint);
    o.base.kind = browser::browser_kind::firefox;
  }
  o.base.browser_path = s.browser;
  o.base.display = to_cdp(s.display);
  o.base.x_display = x_display;
  o.base.base_port = s.base_port;
  o.base.profile_root = s.profile_root;
  o.base.ws_endpoint = s.ws_endpoint;
  o.base.site_url = s.site_url;
  o.base.site_file = s.site_file;
  o.timing.monitor_interval = s.monitor_interval;
  o.timing.rate_limit_cooldown = s.rate_limit_cooldown;
  o.timing.quota_cooldown = s.quota_cooldown;
  o.timing.request_timeout = s.request_timeout;
  o.timing.queue_timeout = s.queue_timeout;
  o.timing.page_recycle_after = s.page_recycle_after;
  // No flags of their own (yet): environment knobs, mainly for tests.
  if (auto ms = env_ms("CAMOUFLEET_PROFILE_REFRESH_MS")) o.timing.refresh_interval = *ms;
  if (auto ms = env_ms("CAMOUFLEET_AUTH_POLL_MS")) o.timing.auth_poll_interval = *ms;
  o.queue_limit = s.queue_limit;
  o.max_retries = s.max_retries;
  o.nodes.listen_host = s.node_listen_host;
  o.nodes.listen_port = s.node_listen_port;
  o.nodes.secret = s.node_secret;
  o.nodes.tls_cert = s.node_tls_cert;
  o.nodes.tls_key = s.node_tls_key;
  o.nodes.tls_ca = s.node_tls_ca;
  if (s.cmd == config::command::node) {
    o.nodes.head_host = s.head_host;
    o.nodes.head_port = s.head_port;
    o.nodes.node_id = s.node_id;
    o.nodes.host = config::default_node_id();
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken by sigwait below; block them before any thread starts
  // so that no worker thread receives them instead.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto parsed = config::parse_settings(argc, argv, config::process_env, ".env");
  if (parsed.exit_now) {
    (parsed.exit_code == 0 ? std::cout : std::cerr) << parsed.output << std::flush;
    return parsed.exit_code;
  }
  const config::settings& s = parsed.value;
  config::init_logging(s.log_level, s.log_format);
  for (const auto& w : parsed.warnings) spdlog::warn("{}", w);

  std::unique_ptr<browser::virtual_display> xvfb;
  if (s.display == config::display_mode::virtual_display) {
    try {
      xvfb = browser::virtual_display::start();
      spdlog::info("Virtual display {} started (Xvfb pid {})", xvfb->name(), xvfb->pid());
    } catch (const std::exception& e) {
      std::cerr << "error: --virtual-display: " << e.what() << "\n";
      return 1;
    }
  }

  // The sign-in window is of the --browser-kind; the profile it saves serves every kind.
  if (s.cmd == config::command::login) return app::run_login(s, xvfb ? xvfb->name() : "");

  spdlog::info("camoufleet starting: {}", config::describe(s));
  spdlog::info("Site file: {}", s.site_file.empty() ? site::default_site_file() : s.site_file);
  auto options = fleet_options_from(s, xvfb ? xvfb->name() : "");
  if (options.ws_endpoint.empty() && options.auth_files.empty())
    spdlog::warn("No auth files in {}: nothing can be served until one is added", s.auth_dir);

  // Left behind by a camoufleet killed with SIGKILL: only dirs whose owner is gone.
  if (options.ws_endpoint.empty()) browser::remove_stale_profile_dirs(s.profile_root);
  if (s.isolate == config::isolation::context &&
      (s.kind == config::browser_kind::camoufox || !s.ws_endpoint.empty()))
    spdlog::warn("--isolation context shares launched Chromium and Firefox browsers only "
                 "(a Camoufox fingerprint is per process); these instances run one browser each");
  if (s.spare_browsers > 0 && s.isolate == config::isolation::process && s.ws_endpoint.empty()) {
    // Spares of --browser-kind: Chromium, Firefox or Camoufox (without a fingerprint).
    options.spare_browsers = s.spare_browsers;
    options.spares = browser::make_spare_shelf(options.base);
  } else if (s.spare_browsers > 0) {
    spdlog::warn("--spare-browsers keeps warm browsers for process isolation with launched browsers "
                 "only; no spares with these settings");
  }
  std::unique_ptr<fleet> fleet_ptr;
  try {
    fleet_ptr = std::make_unique<fleet>(
        options, browser::make_session_factory(s.isolate == config::isolation::context
                                                   ? browser::isolation::context
                                                   : browser::isolation::process,
                                               s.accounts_per_browser, options.spares));
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  fleet& instances = *fleet_ptr;
  instances.start();
  if (instances.node_port() >= 0) {
    // Scripts and tests read this line to learn the port (port 0 picks one).
    std::printf("camoufleet nodes join on %s:%d\n", s.node_listen_host.c_str(), instances.node_port());
    std::fflush(stdout);
    spdlog::info("Nodes join on {}:{} ({})", s.node_listen_host, instances.node_port(),
                 s.node_secret.empty() ? "loopback nodes only: no --node-secret-file"
                                       : "with the node secret");
  }
  if (s.cmd == config::command::node) return app::run_node(s, instances, stop_signals);

  http::server api(http::options_from(s), instances.api());
  // --responses-store-file: the answers kept before the restart, read
  // before the first request can be answered.
  std::unique_ptr<app::responses_file> kept_answers;
  if (!s.responses_store_file.empty()) {
    kept_answers = std::make_unique<app::responses_file>(s.responses_store_file, api);
    kept_answers->load();
  }
  try {
    api.start();
  } catch (const std::exception& e) {
    spdlog::error("HTTP server: {}", e.what());
    instances.shutdown(std::chrono::milliseconds(0));
    return 1;
  }
  // Scripts and tests read this line to learn the port (--port 0 picks one).
  std::printf("camoufleet listening on http://%s:%d\n", s.host.c_str(), api.port());
  std::fflush(stdout);
  spdlog::info("Serving the OpenAI API on http://{}:{}", s.host, api.port());

  // SIGHUP also reads the API key file again: keys added or revoked without
  // a restart (nothing in flight is dropped). A file that cannot be read or
  // holds no key leaves the keys in use as they are.
  const auto reload_keys = [&s, &api] {
    if (s.api_keys_file.empty()) return;
    auto r = config::load_key_file(s.api_keys_file);
    if (!r.error.empty()) {
      spdlog::error("SIGHUP: the API keys in use stay: {}", r.error);
      return;
    }
    const auto n = r.keys.size();
    if (api.replace_api_keys(std::move(r.keys)))
      spdlog::info("SIGHUP: {} API key{} from {}", n, n == 1 ? "" : "s", s.api_keys_file);
  };
  if (kept_answers) kept_answers->start();
  app::wait_and_drain(stop_signals, instances, s, reload_keys);
  // The fleet refused new requests at once and let running ones finish;
  // their replies still went out through the server, which stops last.
  api.shutdown();
  // Every background response has its end now: the last write.
  if (kept_answers) kept_answers->save();
  xvfb.reset();
  spdlog::info("Stopped");
  return 0;
}
