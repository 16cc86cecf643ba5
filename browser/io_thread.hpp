#pragma once
// One boost::asio::io_context driven by one thread. Many connections share
// it: every I/O handler of every connection runs on this one thread, which is
// what serializes them (no strands needed). Handlers must never block it.

#include <memory>
#include <thread>

namespace boost::asio {
class io_context;
}

namespace camoufleet::browser {

class io_thread {
 public:
  // Starts the thread at once (a work guard keeps it running while idle).
  io_thread();
  // stop()s. Destroy every connection using it first.
  ~io_thread();
  io_thread(const io_thread&) = delete;
  io_thread& operator=(const io_thread&) = delete;

  boost::asio::io_context& context();

  // True when called from the io thread itself (blocking calls refuse to run there).
  bool in_this_thread() const;

  // Stops the context and joins the thread. Idempotent; must not be called
  // from the io thread (it would join itself: refused, returns at once).
  void stop();

 private:
  std::unique_ptr<boost::asio::io_context> context_;
  struct guard;
  std::unique_ptr<guard> guard_;
  std::thread thread_;
  std::thread::id thread_id_;
};

}  // namespace camoufleet::browser
