#include "browser/bidi/shared_firefox.hpp"

#include <spdlog/spdlog.h>

#include "browser/bidi/firefox_link.hpp"
#include "browser/bidi/firefox_session.hpp"
#include "browser/bidi/session.hpp"
#include "browser/channel_framing.hpp"
#include "browser/deadline.hpp"
#include "browser/io_thread.hpp"
#include "browser/virtual_display.hpp"

namespace camoufleet::bidi {

using std::chrono::milliseconds;

namespace {


}  // namespace

shared_firefox::shared_firefox(std::string name, firefox_options options)
    : shared_browser(std::move(name)), options_(std::move(options)) {}

shared_firefox::~shared_firefox() {
  closing();
  const bool had_browser = static_cast<bool>(browser_);
  shut_down_firefox(bidi_, browser_, io_, milliseconds(2000), true);
  display_.reset();
  if (had_browser) spdlog::info("shared browser {} stopped", name());
}

browser::session_info shared_firefox::launch(clock::time_point deadline) {
  firefox_options fo = options_;
  fo.instance_id = name();
  firefox_link link = launch_and_open(fo, deadline, reporter());
  display_ = std::move(link.display);
  io_ = std::move(link.io);
  browser_ = std::move(link.browser);
  bidi_ = std::move(link.bidi);
  bidi_->subscribe({"browsingContext.contextDestroyed"}, {}, browser::time_left(deadline));
  browser::session_info info;
  info.pid = browser_->process().pid();
  info.ws_endpoint = browser_->ws_endpoint();
  try {
    info.port = std::stoi(browser::parse_ws_url(info.ws_endpoint).port);
  } catch (const std::exception&) {
    info.port = 0;
  }
  return info;
}

void shared_firefox::abandon() {
  bidi_.reset();
  browser_.reset();
  if (io_) io_->stop();
  io_.reset();
}

}  // namespace camoufleet::bidi
