#include "actors/observed_gateway.hpp"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

namespace camoufleet {

namespace {

std::int64_t system_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

observed_gateway::observed_gateway(gateway& inner, std::shared_ptr<fleet_stats> stats,
                                   std::function<std::int64_t()> clock)
    : inner_(inner), stats_(std::move(stats)), clock_(clock ? std::move(clock) : system_unix_ms) {}

void observed_gateway::submit(completion_request request,
                              std::function<void(const request_event&)> on_event) {
  stats_->started(request, clock_());
  auto stats = stats_;
  auto clock = clock_;
  inner_.submit(std::move(request), [stats, clock, on_event](const request_event& ev) {
    const auto now = clock();
    if (auto a = std::get_if<request_assigned>(&ev)) {
      stats->assigned(a->request_id, a->instance_id, now);
    } else if (auto d = std::get_if<request_delta>(&ev)) {
      stats->delta(d->request_id, now);
    } else if (auto f = std::get_if<request_finished>(&ev)) {
      stats->finished(*f, now);
    } else if (auto e = std::get_if<request_failed>(&ev)) {
      stats->failed(*e, now);
    }
    if (on_event) on_event(ev);
  });
}

void observed_gateway::cancel(const std::string& request_id, std::function<void(bool)> on_done) {
  inner_.cancel(request_id, std::move(on_done));
}

void observed_gateway::fleet(std::function<void(const fleet_view&)> on_view) {
  inner_.fleet(std::move(on_view));
}

void observed_gateway::models(
    std::function<void(const std::vector<core::model_info>&)> on_models) {
  inner_.models(std::move(on_models));
}

void observed_gateway::restart(const std::string& instance_id,
                               std::function<void(bool)> on_done) {
  inner_.restart(instance_id, std::move(on_done));
}

void observed_gateway::set_rotation(const std::string& instance_id, bool in_rotation,
                                    std::function<void(bool)> on_done) {
  inner_.set_rotation(instance_id, in_rotation, std::move(on_done));
}

void observed_gateway::screenshot(const std::string& instance_id,
                                  std::function<void(const screenshot_reply&)> on_reply) {
  inner_.screenshot(instance_id, std::move(on_reply));
}

std::int64_t browser_memory_bytes(int pid) {
  if (pid <= 0) return 0;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return 0;
  const long page = sysconf(_SC_PAGESIZE);
  std::int64_t total = 0;
  while (auto* e = readdir(dir)) {
    char* end = nullptr;
    const long p = std::strtol(e->d_name, &end, 10);
    if (p <= 0 || *end != '\0') continue;
    const std::string proc = std::string("/proc/") + e->d_name;
    // getline, not istreambuf_iterator: a process that exits while it is read
    // fails the read (ESRCH), which the iterator throws and getline does not.
    std::ifstream in(proc + "/stat");
    std::string stat;
    std::getline(in, stat);
    // Fields after the command's closing ')': state ppid pgrp ... rss is the 24th field.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    long ppid = 0, pgrp = 0;
    fields >> state >> ppid >> pgrp;
    if (pgrp != pid) continue;
    // PSS shares the pages the browser's processes have in common among
    // them, so the sum is not inflated the way summed RSS is.
    std::ifstream rollup(proc + "/smaps_rollup");
    std::string line;
    bool found = false;
    while (std::getline(rollup, line)) {
      if (line.rfind("Pss:", 0) != 0) continue;
      total += std::atoll(line.c_str() + 4) * 1024;
      found = true;
      break;
    }
    if (found) continue;
    std::string skip;
    for (int i = 0; i < 18; ++i) fields >> skip;  // session .. vsize
    long rss_pages = 0;
    if (fields >> rss_pages) total += static_cast<std::int64_t>(rss_pages) * page;
  }
  closedir(dir);
  return total;
}

}  // namespace camoufleet
