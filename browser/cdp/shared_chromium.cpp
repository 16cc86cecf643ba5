#include "browser/cdp/shared_chromium.hpp"

#include <spdlog/spdlog.h>

#include "browser/cdp/chromium_link.hpp"
#include "browser/cdp/chromium_session.hpp"
#include "browser/cdp/connection.hpp"
#include "browser/io_thread.hpp"
#include "browser/virtual_display.hpp"

namespace camoufleet::browser::cdp {

using std::chrono::milliseconds;

shared_chromium::shared_chromium(std::string name, browser_options options)
    : shared_browser(std::move(name)), options_(std::move(options)) {}

shared_chromium::~shared_chromium() {
  closing();
  const bool had_browser = static_cast<bool>(browser_);
  shut_down_chromium(conn_, browser_, io_, milliseconds(2000), true);
  display_.reset();
  if (had_browser) spdlog::info("shared browser {} stopped", name());
}

session_info shared_chromium::launch(clock::time_point deadline) {
  browser_options bo = options_;
  bo.instance_id = name();
  chromium_link link = launch_and_connect(bo, deadline, reporter());
  display_ = std::move(link.display);
  io_ = std::move(link.io);
  browser_ = std::move(link.browser);
  conn_ = std::move(link.conn);
  session_info info;
  info.pid = browser_->pid();
  info.port = browser_->port();
  info.ws_endpoint = browser_->ws_endpoint();
  return info;
}

void shared_chromium::abandon() {
  conn_.reset();
  browser_.reset();
  if (io_) io_->stop();
  io_.reset();
  display_.reset();
}

std::shared_ptr<connection> shared_chromium::conn() const { return conn_; }

}  // namespace camoufleet::browser::cdp
