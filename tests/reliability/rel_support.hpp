#pragma once
// Helpers of the reliability tests: finding a browser by its debugging port,
// process facts from /proc, raw sockets, and the "figure:" lines each case
// prints. Nothing here starts a process; cleanup guards only undo what a
// test did to processes the fixture owns.

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/fleet_fixture.hpp"

namespace camoufleet::reliability {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// Prints "figure: <text>" on stdout (ctest keeps it in the log) and as a
// doctest message.
void figure(const std::string& text);

long ms_since(clock_type::time_point t0);
std::int64_t unix_ms_now();

// The main browser process of fleet f listening on
// --remote-debugging-port=port (not its helpers); 0 when none.
int browser_pid_for_port(const e2e::fleet_fixture& f, int port);

// "socket:[inode]" of every socket pid holds open (empty when unknown).
std::vector<std::string> sockets_of(int pid);

// VmRSS of a process in KiB, -1 when unknown.
long rss_kib(int pid);

// True while pid exists and is not a zombie.
bool process_alive(int pid);

// The /v1/instances entry with this id, or with this auth file name; null
// when absent.
nlohmann::json instance_by_id(const e2e::fleet_fixture& f, const std::string& id);
nlohmann::json instance_by_file(const e2e::fleet_fixture& f, const std::string& auth_file);

// Sends n non-stream completions at once ("<tag> <k>"); returns their responses.
std::vector<testing::http_response> burst(const e2e::fleet_fixture& f, int n, const std::string& tag);

// Polls /v1/instances until one instance is busy; returns it (null on timeout).
nlohmann::json wait_busy_instance(const e2e::fleet_fixture& f, std::chrono::milliseconds deadline);

// The profile root the fixture passed with --profile-root (parent of auth_dir).
std::string profile_root(const e2e::fleet_fixture& f);

// Entries of dir whose name starts with prefix (full paths).
std::vector<std::string> dir_entries(const std::string& dir, const std::string& prefix);

// A TCP connection to addr:port; -1 when refused or unreachable. The
// caller closes it.
int tcp_connect(const std::string& addr, int port, std::chrono::milliseconds timeout = 2s);

// Non-loopback IPv4 addresses of this machine (may be empty).
std::vector<std::string> non_loopback_ipv4();

// Signals pids given to it with SIGCONT then SIGKILL when it goes, so a
// frozen browser (or one of its processes) never outlives a failing test.
class stopped_guard {
 public:
  stopped_guard() = default;
  ~stopped_guard();
  stopped_guard(const stopped_guard&) = delete;
  stopped_guard& operator=(const stopped_guard&) = delete;
  void add(int pid) { pids_.push_back(pid); }

 private:
  std::vector<int> pids_;
};

// True when the body is an OpenAI error object: {"error":{"message":string,"type":string,...}}.
bool is_openai_error(const std::string& body);

// A server's footprint: resident memory, open descriptors, threads (from /proc).
struct footprint {
  long rss_kib = -1;
  int fds = -1;
  int threads = -1;
};
footprint measure(int pid);
// "<when> RSS N KiB, N fds, N threads"
std::string describe(const char* when, const footprint& p);

}  // namespace camoufleet::reliability
