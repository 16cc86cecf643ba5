#include "browser/cdp/shared_chromium.hpp"

#include <spdlog/spdlog.h>

#include "browser/cdp/chromium_session.hpp"
#include "browser/cdp/connection.hpp"
#include "browser/io_thread.hpp"
#include "browser/virtual_display.hpp"

namespace camoufleet::browser::cdp {

using std::chrono::milliseconds;

namespace {

milliseconds left(shared_chromium::clock::time_point deadline) {
  return std::max(std::chrono::duration_cast<milliseconds>(deadline - shared_chromium::clock::now()),
                  milliseconds(1));
}

}  // namespace

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
  if (bo.display == display_mode::virtual_display && bo.x_display.empty()) {
    display_ = virtual_display::start(99, std::min(left(deadline), milliseconds(10000)));
    bo.x_display = display_->name();
  }
  bo.start_timeout = left(deadline);
  io_ = std::make_unique<io_thread>();
  const listener report = reporter();
  const std::string name = this->name();
  browser_ = browser_process::launch(bo, [report, name](const exit_info& e) {
    spdlog::warn("shared browser {} gone: {}", name, e.text);
    report("shared browser " + name + " " + e.text);
  });
  conn_ = connection::connect(*io_, browser_->ws_endpoint(), left(deadline));
  conn_->on_close([report, name](const std::string& reason) {
    report("shared browser " + name + " connection lost: " + reason);
  });
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
}

std::shared_ptr<connection> shared_chromium::conn() const { return conn_; }

}  // namespace camoufleet::browser::cdp
