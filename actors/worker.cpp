#include "actors/worker.hpp"

#include <spdlog/spdlog.h>

namespace camoufleet {

void session_slot::set(std::unique_ptr<browser::session> s) {
  std::shared_ptr<browser::session> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::move(session_);
    session_ = std::move(s);
  }
}

std::shared_ptr<browser::session> session_slot::take() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(session_);
}

std::shared_ptr<browser::session> session_slot::share() const {
  std::lock_guard<std::mutex> lock(mu_);
  return session_;
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

struct worker::shared {
  std::chrono::milliseconds close_grace;
  session_slot slot;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<job> jobs;
  bool retiring = false;
  bool done = false;
};

worker::worker(std::chrono::milliseconds close_grace) : shared_(std::make_shared<shared>()) {
  shared_->close_grace = close_grace;
  thread_ = std::thread(&worker::run, shared_);
}

worker::~worker() {
  request_stop();
  retire();
  {
    std::unique_lock<std::mutex> lock(shared_->mu);
    const auto limit = shared_->close_grace + std::chrono::seconds(5);
    if (!shared_->cv.wait_for(lock, limit, [this] { return shared_->done; })) {
      lock.unlock();
      spdlog::error("a browser worker did not stop in {} ms; leaving it behind", limit.count());
      thread_.detach();
      return;
    }
  }
  thread_.join();
}

void worker::post(job j) {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    if (shared_->retiring) return;
    shared_->jobs.push_back(std::move(j));
  }
  shared_->cv.notify_all();
}

bool worker::request_stop() { return shared_->slot.request_stop(); }

std::shared_ptr<browser::session> worker::session() const { return shared_->slot.share(); }

void worker::retire() {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->retiring = true;
    shared_->jobs.clear();
  }
  shared_->cv.notify_all();
}

bool worker::done() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->done;
}

void worker::run(std::shared_ptr<shared> s) {
  for (;;) {
    job next;
    {
      std::unique_lock<std::mutex> lock(s->mu);
      s->cv.wait(lock, [&] { return s->retiring || !s->jobs.empty(); });
      if (s->retiring) break;
      next = std::move(s->jobs.front());
      s->jobs.pop_front();
    }
    try {
      next(s->slot);
    } catch (const std::exception& e) {
      // Jobs report their own failures; this only keeps the thread alive.
      spdlog::error("worker job threw: {}", e.what());
    } catch (...) {
      spdlog::error("worker job threw a non-standard exception");
    }
  }
  if (auto session = s->slot.take()) {
    try {
      session->close(s->close_grace);
    } catch (const std::exception& e) {
      spdlog::warn("closing a session failed: {}", e.what());
    }
  }
  {
    std::lock_guard<std::mutex> lock(s->mu);
    s->done = true;
  }
  s->cv.notify_all();
}

}  // namespace camoufleet
