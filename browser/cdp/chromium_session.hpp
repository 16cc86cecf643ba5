#pragma once
// The Chromium implementation of browser::session: a launched (or attached)
// browser, one CDP connection, one chat tab: site::chat_page over a
// cdp_transport. start_chromium_session() itself is declared in
// browser/session.hpp.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "browser/session.hpp"

namespace camoufleet::site {
class chat_page;
}

namespace camoufleet::browser {
struct browser_options;
class browser_process;
class io_thread;
class virtual_display;
}  // namespace camoufleet::browser

namespace camoufleet::browser::cdp {

class connection;
class cdp_transport;
struct chromium_link;
struct warm_chromium;

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

// What a session hears the loss of its browser (or of its own tab) through:
// reason reported to the latch, unless the latch is gone or disarmed (its
// own close), with a warning naming the instance. Copyable; any thread.
std::function<void(const std::string& reason)> latch_reporter(std::weak_ptr<exit_latch> latch,
                                                              std::string instance_id);

// A session constructor's start: runs start(); when it throws, disarms the
// latch (nothing is reported) and runs undo() before the exception goes on.
void start_or_undo(exit_latch& latch, const std::function<void()>& start,
                   const std::function<void()>& undo);

// What a session's options say about launching its browser (path, display,
// ports, profile root, instance id); the start timeout is the caller's.
browser_options launch_options_of(const session_options& options);

// The one teardown order of a Chromium we drive: ask it to close (Browser.close
// when it is ours, else close the tab we opened, `own_target`), close the
// connection, wait (within grace) for the browser to exit and terminate it
// (which removes its profile dir), then stop the io thread. Each part may be
// null; all are reset. Never throws.
void shut_down_chromium(std::shared_ptr<connection>& conn,
                        std::unique_ptr<browser_process>& browser, std::unique_ptr<io_thread>& io,
                        std::chrono::milliseconds grace, bool graceful,
                        const std::string& own_target = "");

class chromium_session : public session {
 public:
  // Use start_chromium_session().
  chromium_session(const session_options& options, exit_callback on_exit);
  // On a warm spare (browser/spares.hpp): no launch, only profile and page.
  chromium_session(const session_options& options, exit_callback on_exit,
                   std::unique_ptr<warm_chromium> warm);
  ~chromium_session() override;
  chromium_session(const chromium_session&) = delete;
  chromium_session& operator=(const chromium_session&) = delete;

  session_info info() const override { return info_; }
  page_driver& page() override;
  void close(std::chrono::milliseconds grace) override;
  heap_collection collect_garbage(std::chrono::milliseconds timeout) override;

  // The concrete page, for tests and diagnostics.
  site::chat_page& chromium_page();

 private:
  void start();
  // Launches the browser (or attaches to --ws-endpoint's) and connects.
  void launch_or_attach(std::chrono::steady_clock::time_point deadline);
  // Takes over warm_'s browser, connection and tab; its exit news come here.
  void adopt_warm();
  // Takes a launched browser's parts (launched here or by a spare) and its facts into info_.
  void hold(chromium_link link);
  void teardown(std::chrono::milliseconds grace, bool graceful);

  session_options options_;
  std::shared_ptr<exit_latch> latch_;
  std::unique_ptr<warm_chromium> warm_;  // until start() adopts it
  std::unique_ptr<virtual_display> display_;
  std::unique_ptr<io_thread> io_;
  std::unique_ptr<browser_process> browser_;
  std::shared_ptr<connection> conn_;
  std::unique_ptr<cdp_transport> transport_;
  std::unique_ptr<site::chat_page> page_;
  std::string target_id_;
  bool created_target_ = false;
  bool created_from_spare_ = false;
  session_info info_;
  std::atomic<bool> closed_{false};
};

}  // namespace camoufleet::browser::cdp
