#include "browser/cdp/context_session.hpp"

#include <spdlog/spdlog.h>

#include "browser/page_plan.hpp"
#include "browser/cdp/cdp_transport.hpp"
#include "browser/cdp/chromium_session.hpp"
#include "browser/cdp/shared_chromium.hpp"
#include "browser/deadline.hpp"
#include "site/chat_page.hpp"

namespace camoufleet::browser::cdp {

using nlohmann::json;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

namespace {


}  // namespace

std::shared_ptr<chromium_pool> make_chromium_pool(int per_browser) {
  return std::make_shared<chromium_pool>(
      per_browser, "browser_", [](std::string name, const session_options& options) {
        return std::make_shared<shared_chromium>(std::move(name), launch_options_of(options));
      });
}

// ---- context_session -------------------------------------------------------

context_session::context_session(std::shared_ptr<chromium_pool> pool,
                                 const session_options& options, exit_callback on_exit)
    : options_(options), latch_(std::make_shared<exit_latch>(std::move(on_exit))) {
  start_or_undo(*latch_, [this, &pool] { start(std::move(pool)); },
                [this] { teardown(milliseconds(2000)); });
}

context_session::~context_session() {
  if (!closed_) close(milliseconds(2000));
}

page_driver& context_session::page() { return *page_; }

heap_collection context_session::collect_garbage(std::chrono::milliseconds timeout) {
  return transport_ ? transport_->collect_garbage(timeout) : heap_collection{};
}

void context_session::start(std::shared_ptr<chromium_pool> pool) {
  const auto deadline = clock_type::now() + options_.start_timeout;
  const std::string& id = options_.instance_id;
  // Everything that can be wrong on disk fails before a browser is touched.
  page_plan plan = load_page_plan(options_);

  browser_ = pool->join(options_);
  const auto report = latch_reporter(latch_, id);
  // The shared browser's death is every member's: each hears it (one fault domain).
  listener_id_ = browser_->add_listener(report);
  browser_->ensure_started(deadline);
  info_ = browser_->info();
  conn_ = browser_->conn();

  json ctx = browser_call("Target.createBrowserContext", {{"disposeOnDetach", false}}, deadline);
  context_id_ = ctx.value("browserContextId", std::string());
  if (context_id_.empty())
    throw driver_error(failure_kind::site_error, "Target.createBrowserContext gave no id");
  json t = browser_call("Target.createTarget",
                        {{"url", "about:blank"}, {"browserContextId", context_id_}}, deadline);
  const std::string target_id = t.value("targetId", std::string());
  json attached =
      browser_call("Target.attachToTarget", {{"targetId", target_id}, {"flatten", true}}, deadline);
  const std::string session_id = attached.value("sessionId", std::string());
  if (session_id.empty())
    throw driver_error(failure_kind::site_error, "Target.attachToTarget gave no session id");

  // Only this profile's tab: its loss (the transport watches it) ends this
  // session alone.
  transport_ = std::make_unique<cdp_transport>(conn_, session_id, context_id_, report);
  page_ = std::make_unique<site::chat_page>(*transport_, std::move(plan.site), std::move(plan.setup));
  page_->open(time_left(deadline));

  if (!latch_->arm())
    throw driver_error(failure_kind::browser_gone,
                       "the browser went away while starting: " + latch_->reason());
  spdlog::info("instance={} context up in shared browser {} pid={} port={}", id,
               browser_->name(), info_.pid, info_.port);
}

json context_session::browser_call(const std::string& method, json params,
                                   clock_type::time_point deadline) {
  return browser_->browser_call(
      [&](milliseconds allotted) { return conn_->call(method, std::move(params), "", allotted); }, deadline,
      milliseconds(5000));
}

void context_session::teardown(milliseconds grace) {
  page_.reset();
  transport_.reset();
  if (conn_ && !context_id_.empty() && conn_->is_open()) {
    try {
      // Closes the context's tab and drops its cookies and storage.
      browser_call("Target.disposeBrowserContext", {{"browserContextId", context_id_}},
                   clock_type::now() + std::max(std::min(grace, milliseconds(2000)), milliseconds(100)));
    } catch (const std::exception& e) {
      spdlog::debug("instance={} disposing of its context: {}", options_.instance_id, e.what());
    }
  }
  conn_.reset();
  if (browser_) {
    browser_->leave(listener_id_);
    browser_.reset();  // the last member closes the browser
  }
}

void context_session::close(milliseconds grace) {
  if (closed_.exchange(true)) return;
  latch_->disarm();
  teardown(grace);
  spdlog::info("instance={} context closed", options_.instance_id);
}

session_factory make_context_session_factory(int accounts_per_browser) {
  auto pool = make_chromium_pool(accounts_per_browser);
  return [pool](const session_options& options, exit_callback on_exit) -> std::unique_ptr<session> {
    return std::make_unique<context_session>(pool, options, std::move(on_exit));
  };
}

}  // namespace camoufleet::browser::cdp
