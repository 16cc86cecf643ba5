// The start of a browser that announces its endpoint on stderr: spawn it,
// watch its stderr lines for the endpoint (the launcher's marker parsing),
// a busy port or its exit, with a deadline; then hand its exits over.
#include <condition_variable>
#include <cstring>
#include <mutex>

#include "browser/owned_child.hpp"

namespace camoufleet::browser {

using namespace std::chrono_literals;

// What the stderr reader and the waiter thread tell the waiting launcher.
struct started_child::watch {
  std::mutex m;
  std::condition_variable cv;
  std::string endpoint;
  bool port_busy = false;
  bool stderr_closed = false;
  bool exited = false;
  bool launched = false;  // after this, exits go to the user's callback
  exit_info exit;
  owned_child::exit_callback user_on_exit;
};

void started_child::hand_over_exits() {
  std::lock_guard<std::mutex> lock(watch_->m);
  watch_->launched = true;
}

started_child spawn_until_endpoint(owned_child::spec sp, const endpoint_scan& scan,
                                   std::chrono::steady_clock::time_point deadline,
                                   owned_child::exit_callback on_exit) {
  auto watch = std::make_shared<started_child::watch>();
  watch->user_on_exit = std::move(on_exit);
  sp.on_stderr_line = [watch, endpoint_in = scan.endpoint_in,
                       busy_in = scan.port_busy_in](const std::string& line) {
    std::string ep = endpoint_in(line);
    bool busy = busy_in && busy_in(line);
    if (ep.empty() && !busy) return;
    std::lock_guard<std::mutex> lock(watch->m);
    if (!ep.empty() && watch->endpoint.empty()) watch->endpoint = ep;
    if (busy) watch->port_busy = true;
    watch->cv.notify_all();
  };
  sp.on_stderr_closed = [watch] {
    std::lock_guard<std::mutex> lock(watch->m);
    watch->stderr_closed = true;
    watch->cv.notify_all();
  };

  started_child out;
  out.watch_ = watch;
  out.child = owned_child::spawn(std::move(sp), [watch](const exit_info& info) {
    owned_child::exit_callback user;
    {
      std::lock_guard<std::mutex> lock(watch->m);
      watch->exited = true;
      watch->exit = info;
      if (watch->launched) user = watch->user_on_exit;
      watch->cv.notify_all();
    }
    if (user) user(info);
  });

  auto next_probe = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(watch->m);
  for (;;) {
    if (!watch->endpoint.empty() || watch->port_busy || watch->exited) break;
    if (watch->stderr_closed && !scan.probe) break;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    // Fallback for a wrapper that sends stderr elsewhere: ask the browser.
    // Never while stderr is ours: when another browser beat us to the
    // port, it would answer, and its endpoint would be taken for ours.
    if (watch->stderr_closed && now >= next_probe) {
      lock.unlock();
      std::string ep = scan.probe();
      lock.lock();
      if (!ep.empty() && watch->endpoint.empty() && !watch->port_busy) watch->endpoint = ep;
      next_probe = std::chrono::steady_clock::now() + 250ms;
      continue;
    }
    if (watch->stderr_closed) {
      watch->cv.wait_until(lock, std::min(deadline, next_probe));
    } else {
      watch->cv.wait_until(lock, deadline);
    }
  }
  // An exit can be seen before the reader thread took its last stderr
  // lines (the reason why it exited): give the pipe a moment to close.
  if (watch->exited && !watch->stderr_closed)
    watch->cv.wait_for(lock, 500ms, [&] { return watch->stderr_closed; });
  // A closed stderr usually means it is exiting: let its exit status arrive.
  if (!scan.probe && watch->endpoint.empty() && watch->stderr_closed && !watch->exited)
    watch->cv.wait_for(lock, 2s, [&] { return watch->exited; });
  out.endpoint = watch->endpoint;
  out.port_busy = watch->port_busy;
  out.exited = watch->exited;
  out.stderr_closed = watch->stderr_closed;
  out.exit = watch->exit;
  return out;
}

std::string ws_url_after(const std::string& line, const char* marker) {
  auto pos = line.find(marker);
  if (pos == std::string::npos) return {};
  std::string rest = line.substr(pos + std::strlen(marker));
  auto end = rest.find_first_of(" \t\r\n");
  if (end != std::string::npos) rest.resize(end);
  if (rest.compare(0, 5, "ws://") != 0) return {};
  return rest;
}

std::string join_tail(const std::vector<std::string>& lines, std::size_t max_lines) {
  std::string out;
  std::size_t start = lines.size() > max_lines ? lines.size() - max_lines : 0;
  for (std::size_t i = start; i < lines.size(); ++i) {
    if (!out.empty()) out += " | ";
    out += lines[i];
  }
  return out;
}

}  // namespace camoufleet::browser
