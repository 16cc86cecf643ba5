#pragma once
// What the tests on a real Chromium connection share (connection_test.cpp,
// transport_crash_test.cpp): a latch with a deadline and one browser + io
// thread + connection torn down in reverse order, even when a CHECK fails.
// Internal to tests/browser.

#include <unistd.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "browser/browser_process.hpp"
#include "browser/cdp/connection.hpp"
#include "tests/browser/scratch_dir.hpp"

namespace conn_test {

using namespace camoufleet::browser;
using namespace camoufleet::browser::cdp;
using nlohmann::json;
using namespace std::chrono_literals;

// Waits, with a deadline, for a condition that other threads make true.
class latch_flag {
 public:
  void set() {
    std::lock_guard<std::mutex> lock(m_);
    set_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, timeout, [&] { return set_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool set_ = false;
};

using camoufleet::browser::testing::scratch_dir;

// One browser, one io thread, one connection; all torn down in reverse order
// even when a CHECK fails.
struct browser_fixture {
  scratch_dir dir;
  std::unique_ptr<browser_process> browser;
  io_thread io;
  std::shared_ptr<connection> conn;

  explicit browser_fixture(browser_process::exit_callback on_exit = {}) {
    browser_options o;
    o.instance_id = "conn_test";
    o.base_port = 19222 + static_cast<int>(::getpid() % 2000);
    o.profile_root = dir.path;
    o.start_timeout = 30s;
    browser = browser_process::launch(o, std::move(on_exit));
    conn = connection::connect(io, browser->ws_endpoint(), 10s);
  }
  ~browser_fixture() {
    if (conn) conn->close();
    conn.reset();
    io.stop();
    browser.reset();
  }

  // A new page target and a flattened session on it.
  std::string new_page_session() {
    json created = conn->call("Target.createTarget", {{"url", "about:blank"}});
    json attached = conn->call("Target.attachToTarget",
                               {{"targetId", created["targetId"]}, {"flatten", true}});
    return attached["sessionId"].get<std::string>();
  }
};

}  // namespace conn_test
