#include "browser/shared_browser.hpp"

#include <map>

#include <spdlog/spdlog.h>

namespace camoufleet::browser {

struct shared_browser::fate {
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

shared_browser::shared_browser(std::string name)
    : name_(std::move(name)), fate_(std::make_shared<fate>()) {}

shared_browser::~shared_browser() { closing(); }

void shared_browser::closing() {
  std::lock_guard<std::mutex> lock(fate_->mu);
  fate_->closing = true;
  fate_->listeners.clear();
}

shared_browser::listener shared_browser::reporter() const {
  std::shared_ptr<fate> f = fate_;
  const std::string name = name_;
  return [f, name](const std::string& what) {
    spdlog::warn("shared browser {}: {}", name, what);
    f->report("shared browser " + name + ": " + what);
  };
}

void shared_browser::ensure_started(clock::time_point deadline) {
  {
    std::unique_lock<std::mutex> lock(launch_mu_);
    if (!launch_cv_.wait_until(lock, deadline, [&] { return !launching_; }))
      throw driver_error(failure_kind::timeout,
                         "shared browser " + name_ + " did not finish starting in time");
    launching_ = true;
  }
  // One caller at a time from here on; the next waits until this one leaves.
  struct turn {
    shared_browser* b;
    ~turn() {
      {
        std::lock_guard<std::mutex> lock(b->launch_mu_);
        b->launching_ = false;
      }
      b->launch_cv_.notify_all();
    }
  } mine{this};
  {
    std::lock_guard<std::mutex> f(fate_->mu);
    if (fate_->gone)
      throw driver_error(failure_kind::browser_gone,
                         "shared browser " + name_ + " is gone: " + fate_->reason);
  }
  if (launched_) return;
  launched_ = true;  // one attempt only: a failed launch marks it gone
  session_info info;
  try {
    info = launch(deadline);
  } catch (const std::exception& e) {
    fate_->report(std::string("failed to start: ") + e.what());
    abandon();
    throw;
  }
  std::lock_guard<std::mutex> l(mu_);
  info_ = std::move(info);
  spdlog::info("shared browser {} up pid={} port={}", name_, info_.pid, info_.port);
}

bool shared_browser::usable() const {
  std::lock_guard<std::mutex> lock(fate_->mu);
  return !fate_->gone;
}

int shared_browser::members() const {
  std::lock_guard<std::mutex> lock(mu_);
  return members_;
}

void shared_browser::join() {
  std::lock_guard<std::mutex> lock(mu_);
  ++members_;
}

void shared_browser::leave() {
  std::lock_guard<std::mutex> lock(mu_);
  --members_;
}

void shared_browser::leave(int listener_id) {
  remove_listener(listener_id);
  leave();
}

void shared_browser::mark_broken(const std::string& reason) {
  spdlog::warn("shared browser {} broken: {}", name_, reason);
  fate_->report("shared browser " + name_ + " " + reason);
}

int shared_browser::add_listener(listener on_gone) {
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

void shared_browser::remove_listener(int id) {
  std::lock_guard<std::mutex> lock(fate_->mu);
  fate_->listeners.erase(id);
}

session_info shared_browser::info() const {
  std::lock_guard<std::mutex> lock(mu_);
  return info_;
}

}  // namespace camoufleet::browser
