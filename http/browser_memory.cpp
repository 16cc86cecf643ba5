#include "http/browser_memory.hpp"

namespace camoufleet::http {

std::map<std::string, std::int64_t> attribute_browser_memory(
    const fleet_view& v, const std::function<std::int64_t(int pid)>& read) {
  std::map<int, int> sharers;  // browser pid -> instances of this machine in it
  for (const auto& i : v.instances)
    if (i.browser_pid > 0 && i.node_id.empty()) ++sharers[i.browser_pid];
  std::map<int, std::int64_t> bytes;
  for (const auto& [pid, n] : sharers) bytes[pid] = read(pid);

  std::map<std::string, std::int64_t> out;
  for (const auto& i : v.instances) {
    if (i.browser_pid <= 0 || !i.node_id.empty()) continue;
    out[i.id] = bytes[i.browser_pid] / sharers[i.browser_pid];
  }
  for (const auto& s : v.spares)  // another machine's pids are not ours to read
    if (s.pid > 0 && s.node_id.empty()) out[spare_name(s)] = read(s.pid);
  return out;
}

}  // namespace camoufleet::http
