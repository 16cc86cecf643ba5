#include "browser/cdp/shared_chromium.hpp"

#include <map>

#include <spdlog/spdlog.h>

#include "browser/cdp/chromium_link.hpp"
#include "browser/cdp/chromium_session.hpp"
#include "browser/cdp/connection.hpp"
#include "browser/io_thread.hpp"
#include "browser/virtual_display.hpp"

namespace camoufleet::browser::cdp {

using std::chrono::milliseconds;

struct shared_chromium::fate {
  std::mutex mu;
  bool gone = false;
  bool closing = false;  // our own close: its exit is expected, not news
  std::string reason;
  int next_id = 1;
  std::map<int, listener> listeners;

  // The first report wins; every listener hears it once.
  void report(const std::string& why) {
    std::map<int, listener> told;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (gone || closing) return;
      gone = true;
      reason = why;
      told.swap(listeners);
    }
    for (auto& [id, l] : told) l(why);
  }
};

shared_chromium::shared_chromium(std::string name, browser_options options)
    : name_(std::move(name)), options_(std::move(options)), fate_(std::make_shared<fate>()) {}

shared_chromium::~shared_chromium() {
  {
    std::lock_guard<std::mutex> lock(fate_->mu);
    fate_->closing = true;
    fate_->listeners.clear();
  }
  const bool had_browser = static_cast<bool>(browser_);
  shut_down_chromium(conn_, browser_, io_, milliseconds(2000), true);
  display_.reset();
  if (had_browser) spdlog::info("shared browser {} stopped", name_);
}

void shared_chromium::ensure_started(clock::time_point deadline) {
  std::unique_lock<std::timed_mutex> lock(launch_mu_, std::defer_lock);
  if (!lock.try_lock_until(deadline))
    throw driver_error(failure_kind::timeout,
                       "shared browser " + name_ + " did not finish starting in time");
  {
    std::lock_guard<std::mutex> f(fate_->mu);
    if (fate_->gone)
      throw driver_error(failure_kind::browser_gone,
                         "shared browser " + name_ + " is gone: " + fate_->reason);
  }
  if (launched_) return;
  launched_ = true;  // one attempt only: a failed launch marks it gone
  try {
    launch(deadline);
  } catch (const std::exception& e) {
    fate_->report(std::string("failed to start: ") + e.what());
    conn_.reset();
    browser_.reset();
    if (io_) io_->stop();
    io_.reset();
    throw;
  }
}

void shared_chromium::launch(clock::time_point deadline) {
  browser_options bo = options_;
  bo.instance_id = name_;
  std::shared_ptr<fate> f = fate_;
  const std::string name = name_;
  chromium_link link = launch_and_connect(bo, deadline, [f, name](const std::string& what) {
    spdlog::warn("shared browser {}: {}", name, what);
    f->report("shared browser " + name + ": " + what);
  });
  display_ = std::move(link.display);
  io_ = std::move(link.io);
  browser_ = std::move(link.browser);
  conn_ = std::move(link.conn);
  std::lock_guard<std::mutex> lock(mu_);
  info_.pid = browser_->pid();
  info_.port = browser_->port();
  info_.ws_endpoint = browser_->ws_endpoint();
  spdlog::info("shared browser {} up pid={} port={}", name_, info_.pid, info_.port);
}

bool shared_chromium::usable() const {
  std::lock_guard<std::mutex> lock(fate_->mu);
  return !fate_->gone;
}

int shared_chromium::members() const {
  std::lock_guard<std::mutex> lock(mu_);
  return members_;
}

void shared_chromium::join() {
  std::lock_guard<std::mutex> lock(mu_);
  ++members_;
}

void shared_chromium::leave() {
  std::lock_guard<std::mutex> lock(mu_);
  --members_;
}

void shared_chromium::mark_broken(const std::string& reason) {
  spdlog::warn("shared browser {} broken: {}", name_, reason);
  fate_->report("shared browser " + name_ + " " + reason);
}

int shared_chromium::add_listener(listener on_gone) {
  std::string why;
  {
    std::lock_guard<std::mutex> lock(fate_->mu);
    if (!fate_->gone) {
      int id = fate_->next_id++;
      fate_->listeners.emplace(id, std::move(on_gone));
      return id;
    }
    why = fate_->reason;
  }
  on_gone(why);
  return 0;
}

void shared_chromium::remove_listener(int id) {
  std::lock_guard<std::mutex> lock(fate_->mu);
  fate_->listeners.erase(id);
}

std::shared_ptr<connection> shared_chromium::conn() const { return conn_; }

session_info shared_chromium::info() const {
  std::lock_guard<std::mutex> lock(mu_);
  return info_;
}

}  // namespace camoufleet::browser::cdp
