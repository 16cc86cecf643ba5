#pragma once
// Launching Firefox or Camoufox with its WebDriver BiDi server and owning it
// for its whole life, with the Chromium launcher's guarantees (it reuses
// browser::owned_child): its own process group, killed by the kernel if we die
// (PR_SET_PDEATHSIG), BiDi on loopback only, stderr drained, its exit
// reported the moment it happens, a private 0700 profile dir removed with
// the object.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "browser/bidi/firefox_profile.hpp"
#include "browser/owned_child.hpp"
#include "browser/profile_dir.hpp"
#include "browser/session.hpp"

namespace camoufleet::browser {
class login_window;
}

namespace camoufleet::bidi {

using core::driver_error;
using core::failure_kind;

enum class firefox_kind { firefox, camoufox };

struct firefox_options {
  std::string instance_id;                  // for log lines and the profile dir name
  firefox_kind kind = firefox_kind::firefox;
  std::string browser_path = "firefox-esr"; // PATH is searched when it has no '/'
  browser::display_mode display = browser::display_mode::headless;
  std::string x_display;                    // virtual_display: ":99" (DISPLAY for the child)
  std::string profile_root;                 // parent of a fresh private profile dir ("" = temp dir)
  // Non-empty: launch on this existing profile dir instead (made 0700, a
  // stale lock removed, kept afterwards).
  std::string profile_dir;
  // camoufox only: the fingerprint JSON file ("" = none), passed as
  // CAMOU_CONFIG_1..N. Invalid JSON fails launch() with invalid_profile.
  std::string fingerprint_file;
  pref_list extra_prefs;                    // written to user.js after ours
  std::vector<std::string> extra_args;      // appended after ours
  std::chrono::milliseconds start_timeout{30000};  // launch to "WebDriver BiDi listening"
};

class firefox_process {
 public:
  using exit_callback = std::function<void(const browser::exit_info&)>;

  // Prepares the profile, launches, and waits for the "WebDriver BiDi
  // listening on ws://..." stderr line. on_exit runs on a waiter thread as
  // soon as the browser exits by itself (not when terminate() ended it); it
  // must not block long nor destroy this object. Throws driver_error:
  // invalid_profile (bad fingerprint), timeout (no BiDi in time),
  // browser_gone (cannot start, died during start, listens off loopback).
  static std::unique_ptr<firefox_process> launch(const firefox_options& options,
                                                 exit_callback on_exit = {});

  // terminate(2 s) when still running, then removes the profile dir if it
  // was made by launch().
  ~firefox_process();
  firefox_process(const firefox_process&) = delete;
  firefox_process& operator=(const firefox_process&) = delete;

  // "ws://127.0.0.1:<port>" as printed; connect to session_url() of it.
  const std::string& ws_endpoint() const { return ws_endpoint_; }
  const std::string& profile_dir() const { return profile_dir_; }
  // The browser process: pid(), running(), terminate(grace) (SIGTERM to the
  // group, SIGKILL after grace, always reaps; send browser.close first when
  // you can), wait_for_exit(), stderr_tail().
  browser::owned_child& process() const { return *child_; }

 private:
  firefox_process() = default;
  std::unique_ptr<browser::owned_child> child_;
  std::string ws_endpoint_;
  std::string profile_dir_;
  bool owns_dir_ = false;
  std::string tag_;
};

// The exact argument list launch() passes (before extra_args).
std::vector<std::string> firefox_args(const firefox_options& options, const std::string& profile_dir);
// The environment launch() adds: MOZ_HEADLESS, DISPLAY, CAMOU_CONFIG_n
// (config_json "" = none).
env_list firefox_env(const firefox_options& options, const std::string& config_json);

// "ws://..." from a "WebDriver BiDi listening on ws://..." line; "" otherwise.
std::string bidi_endpoint_from_line(const std::string& line);
// True for ws://127.0.0.1:P, ws://localhost:P, ws://[::1]:P (any path).
bool is_loopback_endpoint(const std::string& ws_url);

// browser::login_window for `camoufleet login` (firefox_login.cpp): launches
// the browser and waits (up to connect_timeout) until BiDi takes a session.
std::unique_ptr<browser::login_window> launch_login_window(const firefox_options& options,
                                                           std::chrono::milliseconds connect_timeout);

}  // namespace camoufleet::bidi
