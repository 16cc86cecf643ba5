#pragma once
// Watching processes a browser test started: header-only, shared by the cdp
// and bidi tests.

#include <signal.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace camoufleet::browser::testing {

// Alive = exists and is not a zombie waiting for a reaper.
inline bool process_alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

// Polls cond every 10 ms until it holds (true) or timeout passes (cond's last value).
template <class F>
bool wait_until(F cond, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() >= deadline) return cond();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Kills a pid (and its group) left behind by a failed test.
struct pid_reaper {
  int pid = 0;
  ~pid_reaper() {
    if (pid > 0 && process_alive(pid)) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
    }
  }
};

}  // namespace camoufleet::browser::testing
