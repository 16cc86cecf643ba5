#include "browser/bidi/firefox_session.hpp"

#include <spdlog/spdlog.h>

#include "browser/bidi/bidi_transport.hpp"
#include "browser/bidi/firefox_link.hpp"
#include "browser/bidi/launcher.hpp"
#include "browser/bidi/session.hpp"
#include "browser/bidi/warm_firefox.hpp"
#include "browser/cdp/chromium_session.hpp"
#include "browser/deadline.hpp"
#include "browser/io_thread.hpp"
#include "browser/page_plan.hpp"
#include "browser/virtual_display.hpp"
#include "site/chat_page.hpp"

namespace camoufleet::bidi {

using browser::cdp::exit_latch;
using browser::cdp::latch_reporter;
using browser::cdp::start_or_undo;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

namespace {


}  // namespace

firefox_options firefox_options_of(const browser::session_options& options) {
  firefox_options fo;
  fo.instance_id = options.instance_id;
  fo.kind = options.kind == browser::browser_kind::camoufox ? firefox_kind::camoufox : firefox_kind::firefox;
  fo.browser_path = options.browser_path;
  if (fo.kind == firefox_kind::camoufox) fo.fingerprint_file = options.fingerprint_file;
  fo.display = options.display;
  fo.x_display = options.x_display;
  fo.profile_root = options.profile_root;
  return fo;
}

std::string origin_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  const auto path = url.find_first_of("/?#", scheme + 3);
  return url.substr(0, path);
}

firefox_session::firefox_session(const browser::session_options& options, browser::exit_callback on_exit)
    : firefox_session(options, std::move(on_exit), nullptr) {}

firefox_session::firefox_session(const browser::session_options& options, browser::exit_callback on_exit,
                                 std::unique_ptr<warm_firefox> warm)
    : options_(options), latch_(std::make_shared<exit_latch>(std::move(on_exit))), warm_(std::move(warm)) {
  start_or_undo(*latch_, [this] { start(); }, [this] { teardown(milliseconds(2000), false); });
}

firefox_session::~firefox_session() {
  if (!closed_) close(milliseconds(2000));
}

core::page_driver& firefox_session::page() { return *page_; }

void firefox_session::start() {
  const auto deadline = clock_type::now() + std::max(options_.start_timeout, firefox_min_start_timeout);
  const std::string& id = options_.instance_id;
  browser::page_plan plan = browser::load_page_plan(options_);
  // BiDi cannot stream a response body: the page hook reads the answer.
  plan.setup.page_hook = true;

  const bool from_spare = static_cast<bool>(warm_);
  const std::string context = from_spare ? adopt_warm() : launch_or_attach(deadline);
  // Its tab's loss (closed, content process crashed) ends the session as the
  // browser's would: the instance restarts it.
  transport_ = std::make_unique<bidi_transport>(*bidi_, context, origin_of(plan.setup.site_url), "",
                                                latch_reporter(latch_, options_.instance_id));
  page_ = std::make_unique<site::chat_page>(*transport_, std::move(plan.site), std::move(plan.setup));
  page_->open(browser::time_left(deadline));

  if (!latch_->arm())
    throw driver_error(failure_kind::browser_gone, "the browser went away while starting: " + latch_->reason());
  spdlog::info("instance={} browser up ({}) pid={} port={} mode={}", id, browser::to_string(options_.kind),
               info_.pid, info_.port, !browser_ ? "attached" : from_spare ? "spare" : "launched");
}

std::string firefox_session::launch_or_attach(clock_type::time_point deadline) {
  auto on_loss = latch_reporter(latch_, options_.instance_id);
  if (options_.ws_endpoint.empty()) {
    hold(launch_and_open(firefox_options_of(options_), deadline, on_loss));
  } else {
    io_ = std::make_unique<browser::io_thread>();
    bidi_ = bidi::session::open(*io_, options_.ws_endpoint, browser::time_left(deadline));
    bidi_->on_gone([on_loss](const std::string& reason) { on_loss("browser connection lost: " + reason); });
    set_endpoint(options_.ws_endpoint);
  }
  return bidi_->initial_context(browser::time_left(deadline));
}

void firefox_session::hold(firefox_link link) {
  display_ = std::move(link.display);
  io_ = std::move(link.io);
  browser_ = std::move(link.browser);
  bidi_ = std::move(link.bidi);
  info_.pid = browser_->process().pid();
  set_endpoint(browser_->ws_endpoint());
}

std::string firefox_session::adopt_warm() {
  hold(std::move(warm_->link));
  const std::string context = warm_->context;
  // From now on the spare's loss is this instance's news (at once if it already went).
  warm_->router->listen(latch_reporter(latch_, options_.instance_id));
  warm_.reset();
  spdlog::info("instance={} takes over spare browser pid={}", options_.instance_id, info_.pid);
  return context;
}

void firefox_session::set_endpoint(const std::string& endpoint) {
  info_.ws_endpoint = endpoint;
  try {
    info_.port = std::stoi(browser::parse_ws_url(endpoint).port);
  } catch (const std::exception&) {
    info_.port = 0;
  }
}

void shut_down_firefox(std::unique_ptr<session>& bidi, std::unique_ptr<firefox_process>& browser,
                       std::unique_ptr<browser::io_thread>& io, milliseconds grace, bool graceful) {
  const auto started = clock_type::now();
  try {
    if (bidi) {
      if (graceful && bidi->alive()) {
        try {
          // Ours: close the browser. Attached: end only our session, so that
          // the next client (Firefox takes one at a time) can start its own.
          if (browser)
            bidi->close_browser(std::min(grace, milliseconds(2000)));
          else
            bidi->command("session.end", nlohmann::json::object(), milliseconds(2000));
        } catch (const std::exception&) {
          // Gone already: terminate() below settles it.
        }
      }
      bidi.reset();
    }
    if (browser) {
      auto spent = std::chrono::duration_cast<milliseconds>(clock_type::now() - started);
      if (graceful) browser->process().wait_for_exit(std::max(grace - spent, milliseconds(0)));
      browser.reset();  // terminates a browser still running, removes its profile dir
    }
    if (io) {
      io->stop();
      io.reset();
    }
  } catch (...) {
  }
}

void firefox_session::teardown(milliseconds grace, bool graceful) {
  page_.reset();
  transport_.reset();
  shut_down_firefox(bidi_, browser_, io_, grace, graceful);
  display_.reset();
}

void firefox_session::close(milliseconds grace) {
  if (closed_.exchange(true)) return;
  latch_->disarm();
  teardown(grace, true);
  spdlog::info("instance={} browser stopped", options_.instance_id);
}

std::unique_ptr<browser::session> start_firefox_session(const browser::session_options& options,
                                                        browser::exit_callback on_exit) {
  return std::make_unique<firefox_session>(options, std::move(on_exit));
}

}  // namespace camoufleet::bidi
