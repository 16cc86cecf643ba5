#include "browser/io_thread.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

namespace camoufleet::browser {

struct io_thread::guard {
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
};

io_thread::io_thread()
    : context_(std::make_unique<boost::asio::io_context>(1)),
      guard_(std::make_unique<guard>(guard{boost::asio::make_work_guard(*context_)})) {
  thread_ = std::thread([this] {
    // Handlers are written not to throw; if one does anyway, the shared thread
    // must survive it or every connection on it would hang.
    for (;;) {
      try {
        context_->run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("cdp io thread: handler threw: {}", e.what());
      } catch (...) {
        spdlog::error("cdp io thread: handler threw a non-exception");
      }
    }
  });
  thread_id_ = thread_.get_id();
}

io_thread::~io_thread() { stop(); }

boost::asio::io_context& io_thread::context() { return *context_; }

bool io_thread::in_this_thread() const { return std::this_thread::get_id() == thread_id_; }

void io_thread::stop() {
  if (in_this_thread()) return;
  if (!thread_.joinable()) return;
  guard_->work.reset();
  context_->stop();
  thread_.join();
}

}  // namespace camoufleet::browser
