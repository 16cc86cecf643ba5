#include "browser/cdp/chromium_session.hpp"

#include <spdlog/spdlog.h>

#include "browser/browser_process.hpp"
#include "browser/page_plan.hpp"
#include "browser/cdp/connection.hpp"
#include "browser/io_thread.hpp"
#include "browser/cdp/cdp_transport.hpp"
#include "browser/cdp/chromium_link.hpp"
#include "browser/cdp/warm_chromium.hpp"
#include "browser/deadline.hpp"
#include "site/chat_page.hpp"
#include "site/site_profile.hpp"
#include "browser/storage_state.hpp"
#include "browser/virtual_display.hpp"

namespace camoufleet::browser::cdp {

using nlohmann::json;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

// ---- exit_latch -----------------------------------------------------------

bool exit_latch::arm() {
  std::lock_guard<std::mutex> lock(mu_);
  if (gone_) return false;
  armed_ = true;
  return true;
}

void exit_latch::disarm() {
  std::lock_guard<std::mutex> lock(mu_);
  disarmed_ = true;
}

void exit_latch::report(const std::string& reason) {
  exit_callback cb;
  std::string why;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!gone_) {
      gone_ = true;
      reason_ = reason;
    }
    if (!armed_ || disarmed_ || fired_) return;
    fired_ = true;
    cb = on_exit_;
    why = reason_;
  }
  // Outside the lock: the callback may call back into gone()/reason().
  if (cb) cb(why);
}

bool exit_latch::disarmed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return disarmed_;
}

bool exit_latch::gone() const {
  std::lock_guard<std::mutex> lock(mu_);
  return gone_;
}

std::string exit_latch::reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reason_;
}

std::function<void(const std::string&)> latch_reporter(std::weak_ptr<exit_latch> latch,
                                                       std::string instance_id) {
  return [latch = std::move(latch), id = std::move(instance_id)](const std::string& reason) {
    auto l = latch.lock();
    // After close() began, an exit or a closing socket is expected: nothing to say.
    if (!l || l->disarmed()) return;
    spdlog::warn("instance={} {}", id, reason);
    l->report(reason);
  };
}

void start_or_undo(exit_latch& latch, const std::function<void()>& start,
                   const std::function<void()>& undo) {
  try {
    start();
  } catch (...) {
    latch.disarm();
    undo();
    throw;
  }
}

// ---- chromium_session -----------------------------------------------------

namespace {


// The port of a ws://host:port/... endpoint, 0 when there is none.
int port_of(const std::string& ws) {
  try {
    return std::stoi(parse_ws_url(ws).port);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

chromium_session::chromium_session(const session_options& options, exit_callback on_exit)
    : chromium_session(options, std::move(on_exit), nullptr) {}

chromium_session::chromium_session(const session_options& options, exit_callback on_exit,
                                   std::unique_ptr<warm_chromium> warm)
    : options_(options), latch_(std::make_shared<exit_latch>(std::move(on_exit))), warm_(std::move(warm)) {
  start_or_undo(*latch_, [this] { start(); }, [this] { teardown(milliseconds(2000), false); });
}

chromium_session::~chromium_session() {
  if (!closed_) close(milliseconds(2000));
}

page_driver& chromium_session::page() {
  return *page_;
}
heap_collection chromium_session::collect_garbage(std::chrono::milliseconds timeout) {
  return transport_ ? transport_->collect_garbage(timeout) : heap_collection{};
}
site::chat_page& chromium_session::chromium_page() {
  return *page_;
}

void chromium_session::start() {
  const auto deadline = clock_type::now() + options_.start_timeout;
  const std::string& id = options_.instance_id;

  // Everything that can be wrong on disk fails before a browser exists.
  page_plan plan = load_page_plan(options_);

  if (warm_)
    adopt_warm();  // launched and connected already
  else
    launch_or_attach(deadline);

  if (!options_.ws_endpoint.empty()) {
    // Attached: reuse the browser's first tab (creating tabs is what some
    // remote browsers do not support); create one only if there is none.
    json targets = conn_->call("Target.getTargets", json::object(), "", time_left(deadline));
    for (const auto& t : targets.value("targetInfos", json::array())) {
      if (t.value("type", std::string()) == "page") {
        target_id_ = t.value("targetId", std::string());
        break;
      }
    }
  }
  if (target_id_.empty()) {
    json t = conn_->call("Target.createTarget", {{"url", "about:blank"}}, "", time_left(deadline));
    target_id_ = t.value("targetId", std::string());
    created_target_ = true;
  }
  json attached = conn_->call("Target.attachToTarget",
                              {{"targetId", target_id_}, {"flatten", true}}, "", time_left(deadline));
  const std::string session_id = attached.value("sessionId", std::string());
  if (session_id.empty())
    throw driver_error(failure_kind::site_error, "Target.attachToTarget gave no session id");

  // Its tab's loss (renderer crashed, tab closed) ends the session as the
  // browser's would: the instance restarts it instead of waiting for a ping.
  transport_ = std::make_unique<cdp_transport>(conn_, session_id, "", latch_reporter(latch_, id));
  page_ = std::make_unique<site::chat_page>(*transport_, std::move(plan.site), std::move(plan.setup));
  page_->open(time_left(deadline));

  if (!latch_->arm())
    throw driver_error(failure_kind::browser_gone,
                       "the browser went away while starting: " + latch_->reason());
  spdlog::info("instance={} browser up pid={} port={} mode={}", id, info_.pid, info_.port,
               !options_.ws_endpoint.empty() ? "attached" : created_from_spare_ ? "spare" : "launched");
}

void chromium_session::launch_or_attach(std::chrono::steady_clock::time_point deadline) {
  auto on_loss = latch_reporter(latch_, options_.instance_id);
  if (options_.ws_endpoint.empty()) {
    hold(launch_and_connect(launch_options_of(options_), deadline, on_loss));
    return;
  }
  info_.ws_endpoint = options_.ws_endpoint;
  info_.port = port_of(options_.ws_endpoint);
  io_ = std::make_unique<io_thread>();
  conn_ = connection::connect(*io_, info_.ws_endpoint, time_left(deadline));
  conn_->on_close([on_loss](const std::string& reason) { on_loss("browser connection lost: " + reason); });
}

void chromium_session::hold(chromium_link link) {
  display_ = std::move(link.display);
  io_ = std::move(link.io);
  browser_ = std::move(link.browser);
  conn_ = std::move(link.conn);
  info_.pid = browser_->pid();
  info_.port = browser_->port();
  info_.ws_endpoint = browser_->ws_endpoint();
}

void chromium_session::adopt_warm() {
  const std::string& id = options_.instance_id;
  hold(std::move(warm_->link));
  target_id_ = warm_->target_id;
  created_target_ = !target_id_.empty();
  created_from_spare_ = true;
  // From now on the spare's death is this instance's news (at once if it already died).
  warm_->router->listen(latch_reporter(latch_, id));
  warm_.reset();
  spdlog::info("instance={} takes over spare browser pid={}", id, info_.pid);
}

browser_options launch_options_of(const session_options& options) {
  browser_options bo;
  bo.instance_id = options.instance_id;
  bo.browser_path = options.browser_path;
  bo.display = options.display;
  bo.x_display = options.x_display;
  bo.base_port = options.base_port;
  bo.profile_root = options.profile_root;
  return bo;
}

void shut_down_chromium(std::shared_ptr<connection>& conn,
                        std::unique_ptr<browser_process>& browser, std::unique_ptr<io_thread>& io,
                        milliseconds grace, bool graceful, const std::string& own_target) {
  const auto started = clock_type::now();
  try {
    if (conn) {
      if (graceful && conn->is_open()) {
        try {
          if (browser) {
            conn->call("Browser.close", json::object(), "", std::min(grace, milliseconds(2000)));
          } else if (!own_target.empty()) {
            // Attached: the browser is not ours; only the tab we opened is.
            conn->call("Target.closeTarget", {{"targetId", own_target}}, "", milliseconds(2000));
          }
        } catch (const std::exception&) {
          // The browser may already be gone; terminate() below settles it.
        }
      }
      conn->close();
      conn.reset();
    }
    if (browser) {
      auto spent = std::chrono::duration_cast<milliseconds>(clock_type::now() - started);
      if (graceful) browser->wait_for_exit(std::max(grace - spent, milliseconds(0)));
      browser->terminate(std::max(grace - spent, milliseconds(100)));
      browser.reset();  // removes the profile dir
    }
    if (io) {
      io->stop();
      io.reset();
    }
  } catch (...) {
  }
}

void chromium_session::teardown(milliseconds grace, bool graceful) {
  page_.reset();
  transport_.reset();
  shut_down_chromium(conn_, browser_, io_, grace, graceful,
                     created_target_ ? target_id_ : std::string());
  display_.reset();
}

void chromium_session::close(milliseconds grace) {
  if (closed_.exchange(true)) return;
  latch_->disarm();
  teardown(grace, true);
  spdlog::info("instance={} browser stopped", options_.instance_id);
}

std::unique_ptr<session> start_chromium_session(const session_options& options,
                                                exit_callback on_exit) {
  return std::make_unique<chromium_session>(options, std::move(on_exit));
}

}  // namespace camoufleet::browser::cdp
