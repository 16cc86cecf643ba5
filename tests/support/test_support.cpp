#include "test_support.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <deque>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "sim/accounts.hpp"

extern char** environ;

namespace camoufleet::testing {

namespace fs = std::filesystem;

// ---- temp_dir -----------------------------------------------------------

temp_dir::temp_dir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed: " + tmpl);
  path_ = buf.data();
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

// ---- wait_until ---------------------------------------------------------

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds deadline,
                std::chrono::milliseconds poll) {
  auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= end) return cond();
    std::this_thread::sleep_for(poll);
  }
}

// ---- /proc --------------------------------------------------------------

std::vector<int> group_pids(int pgid) {
  std::vector<int> out;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(it->path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    int ppid = 0, pgrp = 0;
    if (rest >> state >> ppid >> pgrp && pgrp == pgid && state != "Z") out.push_back(std::stoi(name));
  }
  return out;
}

// ---- child_process ------------------------------------------------------

namespace {

// Every child is forked by this one thread, which lives as long as the test
// process: PR_SET_PDEATHSIG fires when the thread that forked a child ends,
// so whatever a test starts (simulator, server and so its browsers) dies
// with the test process, even when it aborts, and never earlier.
class spawner {
 public:
  static spawner& get() {
    static spawner* s = new spawner();  // never destroyed: its thread runs until exit
    return *s;
  }
  // Runs job on the spawner thread and waits for it.
  void run(const std::function<void()>& job) {
    std::unique_lock<std::mutex> lock(mu_);
    const auto ticket = ++posted_;
    jobs_.push_back(job);
    cv_.notify_all();
    cv_.wait(lock, [&] { return done_ >= ticket; });
  }

 private:
  spawner() {
    std::thread([this] {
      std::unique_lock<std::mutex> lock(mu_);
      for (;;) {
        cv_.wait(lock, [&] { return !jobs_.empty(); });
        auto job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        job();
        lock.lock();
        ++done_;
        cv_.notify_all();
      }
    }).detach();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::uint64_t posted_ = 0;
  std::uint64_t done_ = 0;
};

}  // namespace

child_process::child_process(std::vector<std::string> argv, std::map<std::string, std::string> env_add) {
  if (argv.empty()) throw std::invalid_argument("child_process: empty argv");
  // Everything exec needs is built before fork: only async-signal-safe calls after it.
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos && env_add.count(kv.substr(0, eq))) continue;
    env_strings.push_back(kv);
  }
  for (const auto& [k, v] : env_add) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto& s : argv) args.push_back(s.data());
  args.push_back(nullptr);

  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw std::runtime_error("pipe failed");
  }
  const pid_t parent = ::getpid();
  pid_t pid = -1;
  spawner::get().run([&] {
    pid = ::fork();
    if (pid != 0) return;
    ::setpgid(0, 0);  // own group: the destructor kills it with all its children
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // and the kernel does if the test process dies
    if (::getppid() != parent) ::_exit(127);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::execvpe(args[0], args.data(), envp.data());
    const char msg[] = "child_process: exec failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  });
  if (pid < 0) {
    for (int fd : {out[0], out[1], err[0], err[1]}) ::close(fd);
    throw std::runtime_error("fork failed");
  }
  ::setpgid(pid, pid);  // also from the parent, so a kill right away reaches the group
  pid_ = pid;
  ::close(out[1]);
  ::close(err[1]);
  out_thread_ = std::thread([this, fd = out[0]] { read_loop(fd, true); });
  err_thread_ = std::thread([this, fd = err[0]] { read_loop(fd, false); });
}

child_process::~child_process() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    if (!reaped_) {
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  // A grandchild outside the group could keep the pipe open: readers also
  // stop on the flag, so the destructor never blocks for long.
  stop_.store(true);
  if (out_thread_.joinable()) out_thread_.join();
  if (err_thread_.joinable()) err_thread_.join();
}

void child_process::read_loop(int fd, bool is_stdout) {
  std::string partial;
  char buf[4096];
  auto push = [&](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::lock_guard<std::mutex> lock(mu_);
    (is_stdout ? out_lines_ : err_lines_).push_back(line);
    all_lines_.push_back(std::move(line));
    cv_.notify_all();
  };
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, 50);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) {
      if (stop_.load()) break;
      continue;
    }
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    partial.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = partial.find('\n')) != std::string::npos) {
      push(partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
  }
  if (!partial.empty()) push(partial);
  ::close(fd);
  std::lock_guard<std::mutex> lock(mu_);
  ++closed_streams_;
  cv_.notify_all();
}

bool child_process::wait_output_closed(std::chrono::milliseconds deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, deadline, [&] { return closed_streams_ == 2; });
}

bool child_process::running() {
  if (reaped_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    exit_status_ = status;
    return false;
  }
  return r == 0;
}

void child_process::kill(int sig) {
  if (pid_ > 0 && !reaped_) ::kill(-pid_, sig);
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds deadline) {
  if (wait_until([this] { return !running(); }, deadline, 5ms)) return exit_status_;
  return std::nullopt;
}

std::optional<std::string> child_process::wait_for_line(const std::regex& re,
                                                        std::chrono::milliseconds deadline) {
  return wait_for_line([&re](const std::string& l) { return std::regex_search(l, re); }, deadline);
}

std::optional<std::string> child_process::wait_for_line(
    const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  std::unique_lock<std::mutex> lock(mu_);
  std::size_t checked = 0;
  for (;;) {
    for (; checked < all_lines_.size(); ++checked)
      if (pred(all_lines_[checked])) return all_lines_[checked];
    if (cv_.wait_until(lock, end) == std::cv_status::timeout) {
      for (; checked < all_lines_.size(); ++checked)
        if (pred(all_lines_[checked])) return all_lines_[checked];
      return std::nullopt;
    }
  }
}

std::vector<std::string> child_process::stdout_lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return out_lines_;
}

std::vector<std::string> child_process::stderr_lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return err_lines_;
}

// ---- chromium -----------------------------------------------------------

std::string chromium_path() {
  // --browser=PATH of the test binary (tests/doctest_main.cpp), e.g. the headless shell.
  const char* b = std::getenv("CAMOUFLEET_BROWSER");
  return b && *b ? b : "/usr/bin/chromium";
}

bool chromium_available() { return ::access(chromium_path().c_str(), X_OK) == 0; }

std::string browser_kind() {
  const char* k = std::getenv("CAMOUFLEET_BROWSER_KIND");
  return k && *k ? k : "chromium";
}

bool firefox_kind() { return browser_kind() != "chromium"; }

bool context_isolation() {
  const char* i = std::getenv("CAMOUFLEET_ISOLATION");
  return i && std::string(i) == "context";
}

std::string browser_path() { return firefox_kind() ? "/usr/bin/firefox-esr" : chromium_path(); }

bool browser_available() { return ::access(browser_path().c_str(), X_OK) == 0; }

// ---- sim_process --------------------------------------------------------

std::string sim_process::binary() { return CAMOUFLEET_SIM_BIN; }

std::string sim_fixture_path(const std::string& name) {
  return std::string(CAMOUFLEET_SOURCE_DIR) + "/sim/fixtures/" + name;
}

std::string sim_fixture(const std::string& name) {
  std::ifstream in(sim_fixture_path(name), std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture " + sim_fixture_path(name));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

sim_process::sim_process(std::vector<std::string> extra_args) {
  std::vector<std::string> argv = {binary(), "--port", "0"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  // A suite run for one UI variant (tests/doctest_main.cpp) serves it
  // everywhere, unless a test asks for a variant itself.
  const char* variant = std::getenv("CAMOUFLEET_UI_VARIANT");
  if (variant && *variant &&
      std::find(extra_args.begin(), extra_args.end(), "--ui-variant") == extra_args.end()) {
    argv.push_back("--ui-variant");
    argv.push_back(variant);
  }
  proc_ = std::make_unique<child_process>(argv);
  static const std::regex listening(R"(^aistudio-sim listening on http://127\.0\.0\.1:(\d+)$)");
  auto line = proc_->wait_for_line(listening, 15s);
  std::smatch m;
  if (!line || !std::regex_match(*line, m, listening)) {
    std::string err;
    for (const auto& l : proc_->stderr_lines()) err += l + "\n";
    throw std::runtime_error("aistudio-sim did not start: " + err);
  }
  port_ = std::stoi(m[1].str());
}

std::string sim_process::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
std::string sim_process::url() const { return base_url() + "/prompts/new_chat"; }

namespace {
void admin_post(int port, const std::string& path, const nlohmann::json& body) {
  auto r = http_request("POST", port, path, body.dump(), {{"Content-Type", "application/json"}});
  if (r.status != 200)
    throw std::runtime_error("POST " + path + " failed: " + std::to_string(r.status) + " " + r.error +
                             " " + r.body);
}
}  // namespace

nlohmann::json sim_process::state() const {
  auto r = http_request("GET", port_, "/__admin/state");
  if (r.status != 200) throw std::runtime_error("GET /__admin/state failed: " + r.error);
  return r.json();
}

void sim_process::set_faults(const nlohmann::json& faults) { admin_post(port_, "/__admin/faults", faults); }
void sim_process::set_pacing(const nlohmann::json& pacing) { admin_post(port_, "/__admin/pacing", pacing); }
void sim_process::reset() { admin_post(port_, "/__admin/reset", nlohmann::json::object()); }

void sim_process::write_profiles(const std::string& dir, int extra_accounts) const {
  child_process p({binary(), "--write-profiles", dir, "--port", std::to_string(port_), "--accounts",
                   std::to_string(extra_accounts)});
  auto status = p.wait_exit(10s);
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    throw std::runtime_error("aistudio-sim --write-profiles failed");
}

std::string sim_process::cookie_header(const std::string& account) {
  return sim::cookie_header(sim::make_account(account));
}

}  // namespace camoufleet::testing
