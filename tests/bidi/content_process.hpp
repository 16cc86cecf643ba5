#pragma once
// Finding the Firefox content process that hosts a tab, for the tests that
// kill one: a web content process carries "-contentproc" and
// "-isForBrowser" on its command line and descends from the browser (a
// child of its fork server; firefox-esr 153 rewrites a forked child's
// command line into one string, so only substrings are looked for). Which
// one hosts the tab is told by CPU time: the tab spins for a while and its
// process is the one whose time grew most. Header-only, Linux /proc.

#include <dirent.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace camoufleet::bidi::testing {

// The first line of /proc/<pid>/<what> (all of cmdline: NUL-separated, no
// newline); "" when the process is gone. getline, because reading a process
// that exits meanwhile fails with ESRCH, which an istreambuf_iterator throws.
inline std::string proc_read(int pid, const char* what) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + what);
  std::string out;
  std::getline(in, out);
  return out;
}

// The fields of /proc/<pid>/stat after the command name: [0] is the state
// (the 3rd field), so field n is [n - 3]. Empty when the process is gone.
inline std::vector<std::string> proc_stat_fields(int pid) {
  const std::string line = proc_read(pid, "stat");
  const auto close = line.rfind(')');
  std::vector<std::string> out;
  if (close == std::string::npos) return out;
  std::istringstream in(line.substr(close + 1));
  for (std::string f; in >> f;) out.push_back(f);
  return out;
}

inline bool descends_from(int pid, int ancestor) {
  for (int hops = 0; pid > 1 && hops < 16; ++hops) {
    const auto f = proc_stat_fields(pid);
    if (f.size() < 2) return false;
    pid = std::atoi(f[1].c_str());  // the ppid, field 4
    if (pid == ancestor) return true;
  }
  return false;
}

// pid -> user+system CPU ticks of every web content process of browser_pid.
inline std::map<int, long> content_process_ticks(int browser_pid) {
  std::map<int, long> out;
  DIR* dir = ::opendir("/proc");
  if (!dir) return out;
  while (dirent* e = ::readdir(dir)) {
    const int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    const std::string args = proc_read(pid, "cmdline");
    if (args.find("-contentproc") == std::string::npos || args.find("-isForBrowser") == std::string::npos)
      continue;
    if (!descends_from(pid, browser_pid)) continue;
    const auto f = proc_stat_fields(pid);
    if (f.size() < 13) continue;
    out[pid] = std::atol(f[11].c_str()) + std::atol(f[12].c_str());  // utime, stime: fields 14, 15
  }
  ::closedir(dir);
  return out;
}

// The content process of `before` whose CPU time grew most since, if by at
// least min_ticks (0 otherwise). Two kinds of process are passed over,
// since they grow on their own while they start (~100 ms of CPU) and
// firefox-esr 153.8 starts them right after a tab took one:
// - one started since `before` (the tab's process existed then);
// - a preallocated one, named "Web Content", where site isolation (Fission,
//   Firefox's default) puts the tab's page in an "Isolated Web Co" process;
//   without Fission (no such process) every web content process counts.
inline int busiest_content_process(int browser_pid, const std::map<int, long>& before, long min_ticks) {
  const auto now = content_process_ticks(browser_pid);
  bool isolated = false;
  for (const auto& [pid, ticks] : now) isolated |= proc_read(pid, "comm") == "Isolated Web Co";
  int best = 0;
  long most = min_ticks - 1;
  for (const auto& [pid, ticks] : now) {
    auto was = before.find(pid);
    if (was == before.end()) continue;
    if (isolated && proc_read(pid, "comm") != "Isolated Web Co") continue;
    const long grew = ticks - was->second;
    if (grew > most) {
      most = grew;
      best = pid;
    }
  }
  return best;
}

}  // namespace camoufleet::bidi::testing
