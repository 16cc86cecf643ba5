#pragma once
// Shared helpers for camoufleet tests: temp dirs, deadline waits, child
// processes, a tiny HTTP client and the simulator process. Everything here
// cleans up in destructors so a failing test leaves no process or dir behind.

#include <atomic>
#include <chrono>
#include <csignal>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace camoufleet::testing {

using namespace std::chrono_literals;

// A fresh directory under $TMPDIR (or /tmp), removed recursively on destruction.
class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "camoufleet-test-");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Polls cond every `poll` until it is true (returns true) or the deadline
// passes (returns false). cond is evaluated once more at the deadline.
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds deadline,
                std::chrono::milliseconds poll = 10ms);

// A child started with fork/exec in its own process group. stdout and stderr
// are drained line by line on reader threads (so the child never blocks on a
// full pipe). The destructor SIGKILLs the whole group and reaps the child.
class child_process {
 public:
  // argv[0] is the program path (no PATH lookup when it contains '/').
  // env_add entries are set on top of the current environment.
  explicit child_process(std::vector<std::string> argv,
                         std::map<std::string, std::string> env_add = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  int pid() const { return pid_; }
  bool running();                       // false once it exited (reaps it)
  void kill(int sig = SIGTERM);         // signal the process group
  // Exit status as from waitpid (use WIFEXITED etc.), nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds deadline);

  // First line (stdout or stderr, already received or arriving before the
  // deadline) that matches; nullopt on timeout.
  std::optional<std::string> wait_for_line(const std::regex& re, std::chrono::milliseconds deadline);
  std::optional<std::string> wait_for_line(const std::function<bool(const std::string&)>& pred,
                                           std::chrono::milliseconds deadline);

  // True once stdout and stderr reached their end (every line is in), false
  // on timeout: a reaped child's last lines may still be in the readers.
  bool wait_output_closed(std::chrono::milliseconds deadline);

  std::vector<std::string> stdout_lines() const;
  std::vector<std::string> stderr_lines() const;

 private:
  void read_loop(int fd, bool is_stdout);

  int pid_ = -1;
  bool reaped_ = false;
  int exit_status_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> out_lines_;
  std::vector<std::string> err_lines_;
  std::vector<std::string> all_lines_;  // both streams, in arrival order
  int closed_streams_ = 0;              // readers that reached end of file
  std::atomic<bool> stop_{false};       // tells the readers to give up on a pipe kept open
  std::thread out_thread_;
  std::thread err_thread_;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_response {
  int status = 0;            // 0: no response (see error)
  header_list headers;       // as received, in order (Set-Cookie may repeat)
  std::string body;
  std::string error;         // transport error, "" when fine

  // First header with this name (case-insensitive), "" if none.
  std::string header(const std::string& name) const;
  std::vector<std::string> headers_named(const std::string& name) const;
  nlohmann::json json() const;  // parse body; throws on malformed JSON
};

// One request to 127.0.0.1:port (Connection: close). Never throws: with no
// response head, status is 0 and `error` says why; a failure after the head
// (timeout, cut connection) keeps the status and sets `error` too, so check
// `error.empty()` before trusting `body`.
http_response http_request(const std::string& method, int port, const std::string& target,
                           const std::string& body = "", const header_list& headers = {},
                           std::chrono::milliseconds timeout = 10s);

// Streaming variant: on_piece is called for every piece of the (de-chunked)
// body as it arrives; returning false closes the connection at once (like a
// client aborting). It is first called once with "" when the headers are in
// (status and headers are then in the returned value only, not yet visible:
// use the callback to decide to abort before any body). The returned body
// holds everything received.
http_response http_request_stream(const std::string& method, int port, const std::string& target,
                                  const std::string& body, const header_list& headers,
                                  const std::function<bool(const std::string&)>& on_piece,
                                  std::chrono::milliseconds timeout = 30s);

// Pids of the live processes in process group pgid (a child started in its
// own group, e.g. a browser, and all its helpers), read from /proc.
std::vector<int> group_pids(int pgid);

// True when /usr/bin/chromium exists and is executable.
// A captured (or facts-based) GenerateContent body under sim/fixtures/.
std::string sim_fixture_path(const std::string& name);
std::string sim_fixture(const std::string& name);  // its bytes; throws if unreadable

bool chromium_available();
std::string chromium_path();

// The browser the suites drive: CAMOUFLEET_BROWSER_KIND ("chromium" when
// unset; tests/doctest_main.cpp sets it from --browser-kind=NAME), and the
// executable for it (/usr/bin/chromium, /usr/bin/firefox-esr).
std::string browser_kind();
bool firefox_kind();  // firefox or camoufox: WebDriver BiDi
std::string browser_path();
bool browser_available();
// CAMOUFLEET_ISOLATION is "context" (tests/doctest_main.cpp sets it from
// --isolation=context): the camoufleets a suite starts share Chromiums.
bool context_isolation();

// The simulator binary, started with --port 0 plus extra args; waits for
// its listening line (throws std::runtime_error if it does not come in 15 s).
class sim_process {
 public:
  explicit sim_process(std::vector<std::string> extra_args = {});

  int port() const { return port_; }
  std::string base_url() const;  // http://127.0.0.1:PORT
  std::string url() const;       // the chat page: base_url() + "/prompts/new_chat"
  child_process& process() { return *proc_; }

  nlohmann::json state() const;                   // GET /__admin/state (throws on failure)
  void set_faults(const nlohmann::json& faults);  // POST /__admin/faults (throws on non-200)
  void set_pacing(const nlohmann::json& pacing);  // POST /__admin/pacing
  void reset();                                   // POST /__admin/reset

  // Writes DIR/<account>.json storageState files for alice, bob, carol and
  // user1..userN (N = extra_accounts), with this simulator's origin.
  void write_profiles(const std::string& dir, int extra_accounts = 0) const;

  // "SID=...; HSID=...; ..." for a Cookie header of a known account.
  static std::string cookie_header(const std::string& account);
  static std::string binary();  // path of aistudio-sim

 private:
  std::unique_ptr<child_process> proc_;
  int port_ = 0;
};

}  // namespace camoufleet::testing
