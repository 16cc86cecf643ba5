#include "browser/bidi/user_context_session.hpp"

#include <spdlog/spdlog.h>

#include "browser/bidi/bidi_transport.hpp"
#include "browser/bidi/firefox_session.hpp"
#include "browser/bidi/session.hpp"
#include "browser/bidi/shared_firefox.hpp"
#include "browser/cdp/chromium_session.hpp"
#include "browser/deadline.hpp"
#include "browser/page_plan.hpp"
#include "site/chat_page.hpp"

namespace camoufleet::bidi {

using browser::cdp::exit_latch;
using browser::cdp::start_or_undo;
using nlohmann::json;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

namespace {


// A live Firefox answers browser-level commands (a user context, a window)
// within a few seconds even on a busy machine; one that does not in this
// long is hung for every member.
constexpr milliseconds browser_call_allowance{15000};

}  // namespace

std::shared_ptr<firefox_pool> make_firefox_pool(int per_browser) {
  return std::make_shared<firefox_pool>(
      per_browser, "firefox_", [](std::string name, const browser::session_options& options) {
        return std::make_shared<shared_firefox>(std::move(name), firefox_options_of(options));
      });
}

user_context_session::user_context_session(std::shared_ptr<firefox_pool> pool,
                                           const browser::session_options& options,
                                           browser::exit_callback on_exit)
    : options_(options), latch_(std::make_shared<exit_latch>(std::move(on_exit))) {
  start_or_undo(*latch_, [this, &pool] { start(std::move(pool)); }, [this] { teardown(milliseconds(2000)); });
}

user_context_session::~user_context_session() {
  if (!closed_) close(milliseconds(2000));
}

core::page_driver& user_context_session::page() { return *page_; }

void user_context_session::start(std::shared_ptr<firefox_pool> pool) {
  const auto deadline = clock_type::now() + std::max(options_.start_timeout, firefox_min_start_timeout);
  const std::string& id = options_.instance_id;
  // Everything that can be wrong on disk fails before a browser is touched.
  browser::page_plan plan = browser::load_page_plan(options_);
  // BiDi cannot stream a response body: the page hook reads the answer.
  plan.setup.page_hook = true;

  browser_ = pool->join(options_);
  const auto report = browser::cdp::latch_reporter(latch_, id);
  // The shared browser's death is every member's: each hears it (one fault domain).
  listener_id_ = browser_->add_listener(report);
  browser_->ensure_started(deadline);
  info_ = browser_->info();
  bidi::session& s = browser_->bidi();

  user_context_ = browser_call("browser.createUserContext", json::object(), deadline).value("userContext", "");
  if (user_context_.empty())
    throw driver_error(failure_kind::site_error, "browser.createUserContext gave no id");
  json created = browser_call("browsingContext.create", {{"type", "window"}, {"userContext", user_context_}},
                              deadline);
  context_ = created.value("context", std::string());
  if (context_.empty()) throw driver_error(failure_kind::site_error, "browsingContext.create gave no context");

  // Only this profile's window: its loss (closed, or its content process
  // crashed) fails its calls and ends this session alone.
  transport_ = std::make_unique<bidi_transport>(s, context_, origin_of(plan.setup.site_url), user_context_, report);
  page_ = std::make_unique<site::chat_page>(*transport_, std::move(plan.site), std::move(plan.setup));
  page_->open(browser::time_left(deadline));

  if (!latch_->arm())
    throw driver_error(failure_kind::browser_gone, "the browser went away while starting: " + latch_->reason());
  spdlog::info("instance={} user context up in shared browser {} pid={} port={}", id, browser_->name(), info_.pid,
               info_.port);
}

json user_context_session::browser_call(const std::string& method, json params, clock_type::time_point deadline) {
  return browser_->browser_call(
      [&](milliseconds allotted) { return browser_->bidi().command(method, std::move(params), allotted); },
      deadline, browser_call_allowance);
}

void user_context_session::teardown(milliseconds grace) {
  page_.reset();
  const auto deadline = clock_type::now() + std::max(std::min(grace, milliseconds(2000)), milliseconds(100));
  if (transport_) transport_->release(browser::time_left(deadline));
  transport_.reset();
  if (browser_ && !user_context_.empty() && browser_->bidi().alive()) {
    try {
      // Closes its window and drops its cookies and storage.
      browser_call("browser.removeUserContext", {{"userContext", user_context_}}, deadline);
    } catch (const std::exception& e) {
      spdlog::debug("instance={} removing its user context: {}", options_.instance_id, e.what());
    }
  }
  if (browser_) {
    browser_->leave(listener_id_);
    browser_.reset();  // the last member closes the browser
  }
}

void user_context_session::close(milliseconds grace) {
  if (closed_.exchange(true)) return;
  latch_->disarm();
  teardown(grace);
  spdlog::info("instance={} user context closed", options_.instance_id);
}

browser::session_factory make_user_context_session_factory(int accounts_per_browser) {
  auto pool = make_firefox_pool(accounts_per_browser);
  return [pool](const browser::session_options& options,
                browser::exit_callback on_exit) -> std::unique_ptr<browser::session> {
    return std::make_unique<user_context_session>(pool, options, std::move(on_exit));
  };
}

}  // namespace camoufleet::bidi
