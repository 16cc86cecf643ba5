#pragma once
// One child process owned for its whole life: its own process group, killed
// by the kernel if we die (PR_SET_PDEATHSIG, so even a SIGKILLed server
// leaves no child behind), stderr drained, its exit reported the moment it
// happens; and the start of a browser that announces its endpoint on stderr
// (spawn_until_endpoint), shared by the Chromium and Firefox launchers.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/chat.hpp"

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

// How a browser announces its endpoint on stderr; the launcher's part of
// spawn_until_endpoint. The functions run on the stderr drain thread.
struct endpoint_scan {
  // The endpoint a stderr line announces, "" for none: the marker parsing
  // (e.g. ws_url_after(line, "DevTools listening on ")). Required.
  std::function<std::string(const std::string& line)> endpoint_in;
  // True for a line saying the port was taken (optional): ends the wait.
  std::function<bool(const std::string& line)> port_busy_in;
  // Optional: when stderr closes without an endpoint (a wrapper sent it
  // elsewhere), asked every 250 ms until the deadline ("" = not yet; runs
  // on the waiting thread). Without it a closed stderr ends the wait.
  std::function<std::string()> probe;
};

// A child spawn_until_endpoint started, and what the wait saw.
struct started_child {
  std::unique_ptr<owned_child> child;
  std::string endpoint;        // "" when none came
  bool port_busy = false;
  bool exited = false;         // it exited during the wait; exit says how
  bool stderr_closed = false;
  exit_info exit;

  // From now on the child's own exits go to the on_exit given to
  // spawn_until_endpoint (before, they only end the wait).
  void hand_over_exits();

  struct watch;
  std::shared_ptr<watch> watch_;
};

// Spawns sp (its stderr callbacks are replaced) and waits until a stderr
// line announces the endpoint, a line says the port is busy, the child exits
// or the deadline passes; with no probe, also until stderr closes (then its
// exit gets 2 s to arrive). An exit gets 500 ms for its last stderr lines
// (the reason). Throws what owned_child::spawn throws.
started_child spawn_until_endpoint(owned_child::spec sp, const endpoint_scan& scan,
                                   std::chrono::steady_clock::time_point deadline,
                                   owned_child::exit_callback on_exit);

// The "ws://..." word right after marker in a stderr line; "" otherwise.
std::string ws_url_after(const std::string& line, const char* marker);
// The last max_lines lines joined with " | ", for error messages.
std::string join_tail(const std::vector<std::string>& lines, std::size_t max_lines = 10);

}  // namespace camoufleet::browser
