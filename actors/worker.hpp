#pragma once
// One thread per instance that runs its blocking browser calls in order, so
// a slow page never holds a CAF scheduler thread. The thread owns the
// session; jobs reach it through the slot. No CAF here: jobs report back by
// whatever the closure captures (the instance actor uses anon_send).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "browser/session.hpp"

namespace camoufleet {

// The live session of a worker. get()/set() are for the worker thread;
// request_stop() may be called from any thread.
class session_slot {
 public:
  browser::session* get() const { return session_.get(); }
  void set(std::unique_ptr<browser::session> s);
  std::shared_ptr<browser::session> take();
  // The live session, kept alive for the caller even if the worker closes
  // it meanwhile (its calls then fail with browser_gone). Any thread.
  std::shared_ptr<browser::session> share() const;
  // Forwards to page().request_stop(); false when there is no session.
  bool request_stop();

 private:
  mutable std::mutex mu_;  // guards replacing the session against request_stop
  std::shared_ptr<browser::session> session_;
};

class worker {
 public:
  using job = std::function<void(session_slot&)>;

  explicit worker(std::chrono::milliseconds close_grace);
  // Drops pending jobs, stops the current generation, and waits (bounded:
  // close grace + 5 s) for the current job to end and the session to close.
  // A thread still stuck after that is detached; it owns what it touches.
  ~worker();
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  void post(job j);
  // Non-blocking: a running generate() ends with driver_error(cancelled).
  bool request_stop();
  // Non-blocking: the live session (null when none), for the few calls that
  // may run beside the worker's own (a screenshot).
  std::shared_ptr<browser::session> session() const;
  // Non-blocking: no new jobs run; once the current one ends the session is
  // closed and the thread exits. Used to walk away from a hung browser.
  void retire();
  // True once a retired worker's thread has nothing left to do.
  bool done() const;

 private:
  struct shared;  // everything the thread touches, kept alive by the thread too
  static void run(std::shared_ptr<shared> s);

  std::shared_ptr<shared> shared_;
  std::thread thread_;
};

}  // namespace camoufleet
