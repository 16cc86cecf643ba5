#pragma once
// Watching processes a browser test started: header-only, shared by the cdp
// and bidi tests.

#include <signal.h>

#include <dirent.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

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

// The command lines (NULs as spaces) of pid's descendants, from /proc.
inline std::vector<std::string> descendant_cmdlines(int pid) {
  std::multimap<int, int> kids;  // parent -> child
  if (DIR* d = ::opendir("/proc")) {
    while (auto* e = ::readdir(d)) {
      int p = std::atoi(e->d_name);
      if (p <= 0) continue;
      std::ifstream stat("/proc/" + std::to_string(p) + "/stat");
      std::string line;
      if (!std::getline(stat, line)) continue;
      auto close = line.rfind(')');
      if (close == std::string::npos || close + 4 > line.size()) continue;
      int parent = std::atoi(line.c_str() + line.find(' ', close + 2) + 1);
      kids.emplace(parent, p);
    }
    ::closedir(d);
  }
  std::vector<std::string> out;
  std::vector<int> todo{pid};
  while (!todo.empty()) {
    int p = todo.back();
    todo.pop_back();
    auto range = kids.equal_range(p);
    for (auto it = range.first; it != range.second; ++it) {
      std::ifstream f("/proc/" + std::to_string(it->second) + "/cmdline");
      std::string cmd((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      for (auto& c : cmd)
        if (c == '\0') c = ' ';
      out.push_back(cmd);
      todo.push_back(it->second);
    }
  }
  return out;
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
