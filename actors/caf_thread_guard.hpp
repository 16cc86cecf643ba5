#pragma once
// CAF 0.17 pins its logger to every thread that spawns an actor or makes a
// scoped_actor (a thread-local reference), and ~actor_system waits until
// every such reference is gone. A foreign thread (HTTP reactor, main) that
// touched the system would make a later shutdown from another thread hang,
// so such calls drop the reference again on the way out. CAF's own threads
// keep theirs.

#include <caf/logger.hpp>

namespace camoufleet {

class caf_thread_guard {
 public:
  caf_thread_guard() : foreign_(caf::logger::current_logger() == nullptr) {}
  ~caf_thread_guard() {
    if (foreign_) caf::logger::set_current_actor_system(nullptr);
  }
  caf_thread_guard(const caf_thread_guard&) = delete;
  caf_thread_guard& operator=(const caf_thread_guard&) = delete;

 private:
  bool foreign_;
};

}  // namespace camoufleet
