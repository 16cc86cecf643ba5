#pragma once
// The Chromium implementation of cdp::session: a launched (or attached)
// browser, one CDP connection, one chat tab driven by cdp_page.
// start_chromium_session() itself is declared in cdp/session.hpp.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "cdp/session.hpp"

namespace camoufleet::cdp {

class browser_process;
class connection;
class io_thread;
class cdp_page;
class virtual_display;

// Decides once whether the owner hears about the browser going away: the
// first report wins, nothing is reported before arm() nor after disarm().
// Thread-safe; pure logic so that it is unit tested.
class exit_latch {
 public:
  explicit exit_latch(exit_callback on_exit) : on_exit_(std::move(on_exit)) {}
  // The session is started: later reports go out. Returns false (and
  // reports nothing) when the browser went away before.
  bool arm();
  // close() began: no report from now on.
  void disarm();
  // From any thread; calls on_exit at most once over the latch's life.
  void report(const std::string& reason);
  bool gone() const;
  bool disarmed() const;
  std::string reason() const;

 private:
  mutable std::mutex mu_;
  exit_callback on_exit_;
  bool armed_ = false;
  bool disarmed_ = false;
  bool gone_ = false;
  bool fired_ = false;
  std::string reason_;
};

class chromium_session : public session {
 public:
  // Use start_chromium_session().
  chromium_session(const session_options& options, exit_callback on_exit);
  ~chromium_session() override;
  chromium_session(const chromium_session&) = delete;
  chromium_session& operator=(const chromium_session&) = delete;

  session_info info() const override { return info_; }
  page_driver& page() override;
  void close(std::chrono::milliseconds grace) override;

  // The concrete page, for tests and diagnostics.
  cdp_page& chromium_page();

 private:
  void start();
  void teardown(std::chrono::milliseconds grace, bool graceful);

  session_options options_;
  std::shared_ptr<exit_latch> latch_;
  std::unique_ptr<virtual_display> display_;
  std::unique_ptr<io_thread> io_;
  std::unique_ptr<browser_process> browser_;
  std::shared_ptr<connection> conn_;
  std::unique_ptr<cdp_page> page_;
  std::string target_id_;
  bool created_target_ = false;
  session_info info_;
  std::atomic<bool> closed_{false};
};

}  // namespace camoufleet::cdp
