#include "actors/worker.hpp"

#include <spdlog/spdlog.h>

namespace camoufleet {

void session_slot::set(std::unique_ptr<cdp::session> s) {
  std::unique_ptr<cdp::session> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::move(session_);
    session_ = std::move(s);
  }
}

std::unique_ptr<cdp::session> session_slot::take() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(session_);
}

bool session_slot::request_stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!session_) return false;
  try {
    session_->page().request_stop();
  } catch (const std::exception& e) {
    spdlog::warn("request_stop failed: {}", e.what());
    return false;
  }
  return true;
}

worker::worker(std::chrono::milliseconds close_grace)
    : close_grace_(close_grace), thread_([this] { run(); }) {}

worker::~worker() {
  slot_.request_stop();
  retire();
  if (thread_.joinable()) thread_.join();
}

void worker::post(job j) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (retiring_) return;
    jobs_.push_back(std::move(j));
  }
  cv_.notify_one();
}

void worker::retire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    retiring_ = true;
    jobs_.clear();
  }
  cv_.notify_one();
}

bool worker::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

void worker::run() {
  for (;;) {
    job next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return retiring_ || !jobs_.empty(); });
      if (retiring_) break;
      next = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      next(slot_);
    } catch (const std::exception& e) {
      // Jobs report their own failures; this only keeps the thread alive.
      spdlog::error("worker job threw: {}", e.what());
    } catch (...) {
      spdlog::error("worker job threw a non-standard exception");
    }
  }
  if (auto s = slot_.take()) {
    try {
      s->close(close_grace_);
    } catch (const std::exception& e) {
      spdlog::warn("closing a session failed: {}", e.what());
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  done_ = true;
}

}  // namespace camoufleet
