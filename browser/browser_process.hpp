#pragma once
// Launching Chromium and owning it for its whole life (an owned_child: own
// process group, PR_SET_PDEATHSIG, stderr drained, exit reported at once),
// with a private 0700 profile dir removed with the object and its DevTools
// port found (the next one when taken).

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "browser/owned_child.hpp"
#include "browser/profile_dir.hpp"
#include "browser/session.hpp"

namespace camoufleet::browser {

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
// "ws://..." from a "DevTools listening on ws://..." stderr line; "" otherwise.
std::string devtools_endpoint_from_line(const std::string& line);

}  // namespace camoufleet::browser
