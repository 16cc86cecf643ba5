// owned_child: the waiter thread that spawns the child and reaps it, the
// stderr drain, and terminate (TERM, then KILL, always reaped).
#include "browser/owned_child.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <tuple>

#include <spdlog/spdlog.h>

#include "browser/child_spawn.hpp"

namespace camoufleet::browser {

using namespace std::chrono_literals;

struct owned_child::state {
  spec sp;
  exit_callback on_exit;

  mutable std::mutex m;
  mutable std::condition_variable cv;
  bool spawn_done = false;
  bool abandoned = false;  // spawn() stopped waiting: kill whatever comes
  std::string spawn_error;
  int pid = 0;
  bool reaped = false;
  bool terminate_requested = false;
  exit_info info;
  std::deque<std::string> tail;
  std::thread waiter;
};

namespace {

std::string describe_status(const siginfo_t& si, exit_info& out) {
  if (si.si_code == CLD_EXITED) {
    out.code = si.si_status;
    out.signal = 0;
    return "exited with code " + std::to_string(si.si_status);
  }
  out.code = -1;
  out.signal = si.si_status;
  const char* name = ::strsignal(si.si_status);
  return "killed by signal " + std::to_string(si.si_status) + " (" + (name ? name : "?") + ")";
}

bool ignored_line(const owned_child::spec&, const std::string& line) {
  // Chromium complains about the missing system bus on every start: noise.
  return line.find("dbus") != std::string::npos || line.find("DBus") != std::string::npos || line.empty();
}

// Lines from a pipe, read with plain read(2); closes the fd when done.
class line_reader {
 public:
  explicit line_reader(int fd) : fd_(fd) {}
  ~line_reader() { ::close(fd_); }
  line_reader(const line_reader&) = delete;
  line_reader& operator=(const line_reader&) = delete;
  bool next(std::string& line) {
    for (;;) {
      const auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return true;
      }
      char chunk[4096];
      const auto n = ::read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (buf_.empty()) return false;
        line.swap(buf_);
        buf_.clear();
        return true;
      }
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buf_;
};


// Runs on the waiter thread for the child's whole life. It forks the child
// itself so that PR_SET_PDEATHSIG (which is bound to the forking thread) only
// fires when this thread ends, and this thread ends only after the reap.
void waiter_main(std::shared_ptr<owned_child::state> st) {
  int pid = 0;
  int err_fd = -1;
  try {
    std::tie(pid, err_fd) = detail::spawn_child(st->sp, st->sp.spawn_timeout);
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(st->m);
    st->spawn_done = true;
    st->spawn_error = e.what();
    st->cv.notify_all();
    return;
  }

  {
    std::lock_guard<std::mutex> lock(st->m);
    st->pid = pid;
    st->spawn_done = true;
    if (st->abandoned) ::kill(-pid, SIGKILL);  // spawn() gave up on it already
  }
  st->cv.notify_all();

  // Stderr is drained for as long as anyone holds its write end (the
  // browser's helpers may outlive it a little): a detached thread that only
  // co-owns the state, so nothing waits for it.
  std::thread([st, err_fd] {
    line_reader reader(err_fd);
    std::string line;
    while (reader.next(line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (st->sp.on_stderr_line) {
        try {
          st->sp.on_stderr_line(line);
        } catch (...) {
        }
      }
      if (ignored_line(st->sp, line)) continue;
      std::lock_guard<std::mutex> lock(st->m);
      st->tail.push_back(line);
      while (st->tail.size() > st->sp.keep_lines) st->tail.pop_front();
    }
    if (st->sp.on_stderr_closed) {
      try {
        st->sp.on_stderr_closed();
      } catch (...) {
      }
    }
  }).detach();

  siginfo_t si{};
  for (;;) {
    // WNOWAIT: the zombie keeps the pid (and so the group id) reserved until
    // we reap below, so terminate() can never signal a recycled pid.
    int rc = ::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOWAIT);
    if (rc == 0) break;
    if (errno == EINTR) continue;
    // ECHILD: someone else reaped it (should not happen); treat as gone.
    si.si_code = CLD_KILLED;
    si.si_status = 0;
    break;
  }

  exit_info info;
  bool notify_user = false;
  {
    std::lock_guard<std::mutex> lock(st->m);
    // Leftover members of the group (renderers, helpers) go with their leader.
    if (pid > 0) ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    info.text = describe_status(si, info);
    st->info = info;
    st->reaped = true;
    notify_user = !st->terminate_requested;
  }
  st->cv.notify_all();
  if (notify_user && st->on_exit) {
    try {
      st->on_exit(info);
    } catch (const std::exception& e) {
      spdlog::error("child {}: exit callback threw: {}", pid, e.what());
    } catch (...) {
    }
  }
}

}  // namespace

owned_child::owned_child(std::shared_ptr<state> st) : state_(std::move(st)) {}

std::unique_ptr<owned_child> owned_child::spawn(spec s, exit_callback on_exit) {
  auto st = std::make_shared<state>();
  st->sp = std::move(s);
  st->on_exit = std::move(on_exit);

  st->waiter = std::thread(waiter_main, st);
  std::unique_lock<std::mutex> lock(st->m);
  // The waiter gives up at spawn_timeout itself; the margin only guards it.
  if (!st->cv.wait_for(lock, st->sp.spawn_timeout + 5s, [&] { return st->spawn_done; })) {
    st->abandoned = true;
    lock.unlock();
    st->waiter.detach();  // co-owns the state; ends when its own deadline passes
    throw driver_error(failure_kind::timeout, "cannot start " + st->sp.path + ": spawn hung");
  }
  if (!st->spawn_error.empty()) {
    std::string error = st->spawn_error;
    lock.unlock();
    st->waiter.join();
    throw driver_error(failure_kind::browser_gone, "cannot start " + st->sp.path + ": " + error);
  }
  return std::unique_ptr<owned_child>(new owned_child(st));
}

owned_child::~owned_child() {
  if (!state_) return;
  terminate(2s);
  if (state_->waiter.joinable()) {
    // An exit callback that ends up destroying us runs on the waiter itself.
    if (state_->waiter.get_id() == std::this_thread::get_id()) {
      state_->waiter.detach();
    } else {
      state_->waiter.join();
    }
  }
}

int owned_child::pid() const {
  std::lock_guard<std::mutex> lock(state_->m);
  return state_->pid;
}

bool owned_child::running() const {
  std::lock_guard<std::mutex> lock(state_->m);
  return !state_->reaped;
}

exit_info owned_child::terminate(std::chrono::milliseconds grace) {
  std::unique_lock<std::mutex> lock(state_->m);
  if (state_->reaped) return state_->info;
  // kill(-0) would signal our own process group: never without a child.
  if (state_->pid <= 0) return exit_info{-1, 0, "never started"};
  state_->terminate_requested = true;
  ::kill(-state_->pid, SIGTERM);
  if (!state_->cv.wait_for(lock, grace, [&] { return state_->reaped; })) {
    ::kill(-state_->pid, SIGKILL);
    ::kill(state_->pid, SIGKILL);  // in case it left our group
    if (!state_->cv.wait_for(lock, 10s, [&] { return state_->reaped; })) {
      spdlog::error("child {}: still not reaped 10 s after SIGKILL", state_->pid);
      return exit_info{-1, SIGKILL, "not reaped after SIGKILL"};
    }
  }
  return state_->info;
}

bool owned_child::wait_for_exit(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(state_->m);
  return state_->cv.wait_for(lock, timeout, [&] { return state_->reaped; });
}

exit_info owned_child::exit_status() const {
  std::lock_guard<std::mutex> lock(state_->m);
  return state_->info;
}

std::vector<std::string> owned_child::stderr_tail() const {
  std::lock_guard<std::mutex> lock(state_->m);
  return {state_->tail.begin(), state_->tail.end()};
}

}  // namespace camoufleet::browser
