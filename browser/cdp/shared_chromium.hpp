#pragma once
// Context isolation (--isolation context): one launched Chromium that
// several profiles share, each in its own browser context (context_session).
// Owned jointly by those sessions (shared_ptr): launched lazily by the first
// one that needs it (the others wait for that one launch), closed when the
// last one lets go. When it dies, every member hears it at once: one fault
// domain.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "browser/browser_process.hpp"

namespace camoufleet::browser {
class io_thread;
class virtual_display;
}  // namespace camoufleet::browser

namespace camoufleet::browser::cdp {

class connection;

class shared_chromium {
 public:
  using clock = std::chrono::steady_clock;
  using listener = std::function<void(const std::string& reason)>;

  // name tags log lines and the profile dir ("browser_1"); options are the
  // launch options of the profile that created it.
  shared_chromium(std::string name, browser_options options);
  // Browser.close, then TERM/KILL within 2 s; removes the profile dir.
  ~shared_chromium();
  shared_chromium(const shared_chromium&) = delete;
  shared_chromium& operator=(const shared_chromium&) = delete;

  // Launches and connects on the first call; later calls return at once
  // (or wait, up to deadline, for a launch in progress). Throws
  // driver_error: timeout, browser_gone (the launch failed, now or before:
  // a failed browser is never launched twice).
  void ensure_started(clock::time_point deadline);

  // Joinable: not dead and not failed to start (launching is joinable).
  bool usable() const;
  // Members: profiles living (or starting) in it; the packer reads these.
  int members() const;
  void join();
  void leave();

  // It no longer answers browser-level commands (hung): every member hears
  // reason as if it had died, and nobody joins it any more.
  void mark_broken(const std::string& reason);

  // Called once (on a browser or io thread) when the browser dies or its
  // socket breaks; at once when it already did. Must not block nor drop the
  // last reference to this object. Returns an id for remove_listener().
  int add_listener(listener on_gone);
  void remove_listener(int id);

  // Valid after ensure_started().
  std::shared_ptr<connection> conn() const;
  session_info info() const;  // its pid, DevTools port and endpoint
  const std::string& name() const { return name_; }

 private:
  // What the browser's own threads report into: co-owned by their
  // callbacks, so a late report never touches a destroyed object.
  struct fate;

  void launch(clock::time_point deadline);

  const std::string name_;
  const browser_options options_;

  std::timed_mutex launch_mu_;  // one launch; the others wait for it
  bool launched_ = false;       // guarded by launch_mu_

  std::shared_ptr<fate> fate_;
  mutable std::mutex mu_;  // members_ and the endpoint facts below
  int members_ = 0;
  session_info info_;

  std::unique_ptr<virtual_display> display_;
  std::unique_ptr<io_thread> io_;
  std::unique_ptr<browser_process> browser_;
  std::shared_ptr<connection> conn_;
};

}  // namespace camoufleet::browser::cdp
