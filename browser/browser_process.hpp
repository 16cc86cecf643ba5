#pragma once
// Launching Chromium and owning it for its whole life: its own process group,
// killed by the kernel if we die (PR_SET_PDEATHSIG, so even a SIGKILLed
// server leaves no browser behind), a private 0700 profile dir removed with
// the object, stderr drained for the process's life, and its exit reported
// the moment it happens.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/chat.hpp"
#include "browser/session.hpp"

namespace camoufleet::browser {

using core::driver_error;
using core::failure_kind;

struct exit_info {
  int code = -1;     // exit status when it exited normally, else -1
  int signal = 0;    // the signal that killed it, else 0
  std::string text;  // "exited with code 0" / "killed by signal 9 (SIGKILL)" [+ stderr tail]
};

// Building block shared by browser_process and virtual_display: one child in
// its own process group, spawned from (and waited on by) a thread of its own.
// The child inherits only stdin (/dev/null), stdout (/dev/null) and stderr
// (our pipe): every other descriptor is closed at its exec.
// The spawning thread lives exactly as long as the child, which matters
// because PR_SET_PDEATHSIG fires when the *thread* that forked exits.
class owned_child {
 public:
  struct spec {
    std::string path;                    // executable (PATH is searched when no '/')
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;  // set on top of ours
    // Called on the drain thread for every stderr line (without '\n'). May be
    // called after the owned_child is gone: capture only what you co-own.
    std::function<void(const std::string& line)> on_stderr_line;
    // Called on the drain thread when stderr reaches EOF (every holder of its
    // write end closed it); same capture rule as on_stderr_line.
    std::function<void()> on_stderr_closed;
    std::size_t keep_lines = 50;         // stderr tail kept for error messages
    // fork to exec, at most; past it the child is killed and spawn() throws.
    std::chrono::milliseconds spawn_timeout{10000};
  };
  using exit_callback = std::function<void(const exit_info&)>;

  // Starts the child; throws driver_error(browser_gone) when it cannot be
  // spawned. on_exit runs on the waiter thread right after the child is
  // reaped, unless the exit was caused by terminate(). It must not destroy
  // this object.
  static std::unique_ptr<owned_child> spawn(spec s, exit_callback on_exit = {});

  // terminate(2 s) if still running; joins the waiter thread.
  ~owned_child();
  owned_child(const owned_child&) = delete;
  owned_child& operator=(const owned_child&) = delete;

  int pid() const;
  bool running() const;
  // SIGTERM to the group, SIGKILL after grace, wait until reaped. Idempotent.
  // Returns how it ended.
  exit_info terminate(std::chrono::milliseconds grace);
  // Waits up to timeout for the child to end by itself.
  bool wait_for_exit(std::chrono::milliseconds timeout) const;
  // Valid once !running().
  exit_info exit_status() const;
  std::vector<std::string> stderr_tail() const;

  struct state;

 private:
  explicit owned_child(std::shared_ptr<state> st);
  std::shared_ptr<state> state_;
};

struct browser_options {
  std::string instance_id;                  // for log lines and the profile dir name
  std::string browser_path = "/usr/bin/chromium";
  display_mode display = display_mode::headless;
  std::string x_display;                    // virtual_display: ":99" (DISPLAY for the child)
  int base_port = 9222;                     // first DevTools port tried
  int port_attempts = 20;                   // busy ports skipped before giving up
  std::string profile_root;                 // parent of the private user-data dir ("" = temp dir)
  std::vector<std::string> extra_args;      // appended after ours
  std::chrono::milliseconds start_timeout{30000};  // launch to "DevTools listening"
};

// Removes the profile dirs under profile_root ("" = the temp dir) that a
// camoufleet made and that outlived it (killed with SIGKILL): each dir names
// its owner (pid and start time) in a file; dirs whose owner still runs, and
// dirs without that file, are left alone. Returns how many were removed.
int remove_stale_profile_dirs(const std::string& profile_root);

class browser_process {
 public:
  using exit_callback = std::function<void(const exit_info&)>;

  // Launches and waits until DevTools listens (stderr line, or /json/version
  // when stderr is not ours). on_exit runs on a waiter thread as soon as the
  // browser exits by itself (not when terminate() ended it); it must not block
  // long nor destroy this object. Throws driver_error: timeout (no DevTools
  // in time), browser_gone (could not start, died during start; the message
  // has the stderr tail).
  static std::unique_ptr<browser_process> launch(const browser_options& options,
                                                 exit_callback on_exit = {});

  // terminate(2 s) when still running, then removes the profile dir.
  ~browser_process();
  browser_process(const browser_process&) = delete;
  browser_process& operator=(const browser_process&) = delete;

  int pid() const;
  int port() const { return port_; }
  // "ws://127.0.0.1:<port>/devtools/browser/<uuid>"
  const std::string& ws_endpoint() const { return ws_endpoint_; }
  const std::string& profile_dir() const { return profile_dir_; }
  bool running() const;

  // Ask the browser to close over its protocol first if you can; this then
  // SIGTERMs the process group, SIGKILLs it after grace, and always reaps.
  exit_info terminate(std::chrono::milliseconds grace);
  // Waits up to timeout for the browser to exit by itself.
  bool wait_for_exit(std::chrono::milliseconds timeout) const;
  std::vector<std::string> stderr_tail() const;

 private:
  browser_process() = default;
  std::unique_ptr<owned_child> child_;
  int port_ = 0;
  std::string ws_endpoint_;
  std::string profile_dir_;
  std::string instance_id_;
};

// The exact argument list launch() passes (before extra_args), for tests and logs.
std::vector<std::string> chromium_args(const browser_options& options, int port,
                                       const std::string& profile_dir);

// Shared with the Firefox launcher (browser/bidi/launcher.*):
// A fresh private (0700, mkdtemp) dir "camoufleet-<id>-XXXXXX" under root_dir;
// throws driver_error(browser_gone) when it cannot be made.
std::string make_profile_dir(const std::string& root_dir, const std::string& instance_id);
// Removes a profile dir (retrying once: helpers may still write into it).
void remove_dir(const std::string& dir);
// The last max_lines lines joined with " | ", for error messages.
std::string join_tail(const std::vector<std::string>& lines, std::size_t max_lines = 10);

// The "ws://..." word right after marker in a stderr line; "" otherwise.
std::string ws_url_after(const std::string& line, const char* marker);
// "ws://..." from a "DevTools listening on ws://..." stderr line; "" otherwise.
std::string devtools_endpoint_from_line(const std::string& line);

}  // namespace camoufleet::browser
