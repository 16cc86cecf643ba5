#include "browser/browser_process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <tuple>

#include <boost/filesystem.hpp>
#include <boost/process/search_path.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "browser/port_picker.hpp"

namespace camoufleet::browser {

namespace bp = boost::process;
namespace fs = boost::filesystem;
using namespace std::chrono_literals;

// ============================================================================
// owned_child
// ============================================================================

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

// Marks every descriptor from 3 up close-on-exec, so the child keeps only
// stdin/stdout/stderr: the server's listening socket, the reactors' epolls
// and other children's pipes stay out of it. In the forked child: only
// async-signal-safe calls.
void cloexec_from_3() {
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  rlimit rl{};
  const rlim_t top = ::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                         ? std::min<rlim_t>(rl.rlim_cur, 1 << 20)
                         : 65536;
  for (int fd = 3; fd < static_cast<int>(top); ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

void close_both(int p[2]) {
  for (int i = 0; i < 2; ++i)
    if (p[i] >= 0) ::close(p[i]);
}

// fork + exec with everything built before the fork (safe in a threaded
// process: the child makes only async-signal-safe calls). Waits at most
// `timeout` for the exec; returns the pid and the read end of the child's
// stderr, or throws with the reason (the child is killed and reaped then).
std::pair<int, int> spawn_child(const owned_child::spec& sp, std::chrono::milliseconds timeout) {
  fs::path exe = sp.path;
  if (sp.path.find('/') == std::string::npos) exe = bp::search_path(sp.path);
  if (exe.empty()) throw std::runtime_error("not found in PATH: " + sp.path);
  const std::string exe_path = exe.string();

  std::vector<std::string> args{exe_path};
  args.insert(args.end(), sp.args.begin(), sp.args.end());
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv(*e);
    const auto name = kv.substr(0, kv.find('='));
    const bool replaced = std::any_of(sp.env.begin(), sp.env.end(),
                                      [&](const auto& p) { return p.first == name; });
    if (!replaced) env.push_back(kv);
  }
  for (const auto& [k, v] : sp.env) env.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  int err[2] = {-1, -1}, status[2] = {-1, -1};
  const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0 || ::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(status, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    if (devnull >= 0) ::close(devnull);
    close_both(err);
    close_both(status);
    throw std::runtime_error("cannot make pipes: " + why);
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // we died before prctl took hold
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(err[1], 2);
    cloexec_from_3();
    ::execve(argv[0], argv.data(), envp.data());
    const int e = errno;
    (void)!::write(status[1], &e, sizeof e);
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(devnull);
  ::close(err[1]);
  ::close(status[1]);
  if (pid < 0) {
    ::close(err[0]);
    ::close(status[0]);
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(fork_errno));
  }
  ::setpgid(pid, pid);  // also from here, so a kill right away reaches the group

  // The status pipe closes at exec (it is close-on-exec) or carries errno.
  int child_errno = 0;
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{status[0], POLLIN, 0};
    const int rc = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) continue;  // the loop head sees the deadline
    const auto n = ::read(status[0], &child_errno, sizeof child_errno);
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  ::close(status[0]);
  if (timed_out || child_errno != 0) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    int ws = 0;
    while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    ::close(err[0]);
    if (timed_out)
      throw std::runtime_error("did not exec within " + std::to_string(timeout.count()) +
                               " ms (abandoned, process group killed)");
    throw std::runtime_error(std::string("exec failed: ") + std::strerror(child_errno));
  }
  return {pid, err[0]};
}

// Runs on the waiter thread for the child's whole life. It forks the child
// itself so that PR_SET_PDEATHSIG (which is bound to the forking thread) only
// fires when this thread ends, and this thread ends only after the reap.
void waiter_main(std::shared_ptr<owned_child::state> st) {
  int pid = 0;
  int err_fd = -1;
  try {
    std::tie(pid, err_fd) = spawn_child(st->sp, st->sp.spawn_timeout);
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

// ============================================================================
// browser_process
// ============================================================================

std::string ws_url_after(const std::string& line, const char* marker) {
  auto pos = line.find(marker);
  if (pos == std::string::npos) return {};
  std::string rest = line.substr(pos + std::strlen(marker));
  auto end = rest.find_first_of(" \t\r\n");
  if (end != std::string::npos) rest.resize(end);
  if (rest.compare(0, 5, "ws://") != 0) return {};
  return rest;
}

std::string devtools_endpoint_from_line(const std::string& line) {
  // A literal, not a static std::string: the detached stderr drain thread
  // calls this and may still run while static destructors do at exit.
  return ws_url_after(line, "DevTools listening on ");
}

std::vector<std::string> chromium_args(const browser_options& options, int port,
                                       const std::string& profile_dir) {
  std::vector<std::string> args;
  if (options.display == display_mode::headless) args.push_back("--headless=new");
  args.insert(args.end(), {
      "--no-sandbox",  // we run as root in containers
      "--disable-gpu",
      "--remote-debugging-port=" + std::to_string(port),
      "--remote-debugging-address=127.0.0.1",  // DevTools is full control: loopback only
      "--user-data-dir=" + profile_dir,
      "--no-first-run",
      // Without these it keeps calling Google and gets refused offline.
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      "--no-default-browser-check",
      "--disable-crash-reporter",
      "--disable-breakpad",
      // Memory (bench P5): no omnibox-popup WebUI renderers preloaded per
      // window (two per tab, ~25 MB each, never shown), no spare renderer
      // kept warm.
      "--disable-features=PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxAimPopup,"
      "WebUIOmniboxFullPopup,SpareRendererForSitePerProcess",
      // The network service in the browser process instead of its own
      // (~23 MB PSS per browser, bench P5).
      "--enable-features=NetworkServiceInProcess",
  });
  // A desktop window: web apps leave whole panels out below a desktop width
  // (headless Chromium's default is 800x600). A caller's size wins.
  const bool sized = std::any_of(options.extra_args.begin(), options.extra_args.end(),
                                 [](const std::string& a) { return a.rfind("--window-size=", 0) == 0; });
  if (!sized) args.push_back("--window-size=1440,900");
  for (const auto& a : options.extra_args) args.push_back(a);
  // Headless: no first tab — sessions open their own, and an unused
  // about:blank tab costs a renderer (~18 MB PSS, bench P5); headless
  // Chromium keeps running with no tab. A visible browser keeps its first
  // window, so that it never finds itself with none and quits.
  args.push_back(options.display == display_mode::headless ? "--no-startup-window" : "about:blank");
  return args;
}

namespace {

// What the stderr reader tells launch() while it waits.
struct launch_watch {
  std::mutex m;
  std::condition_variable cv;
  std::string endpoint;
  bool port_busy = false;
  bool stderr_closed = false;  // the browser's stderr is not ours: ask /json/version instead
  bool exited = false;
  bool launched = false;  // after this, exits go to the user's callback
  exit_info exit;
  browser_process::exit_callback user_on_exit;
};

constexpr char owner_file[] = ".camoufleet-owner";

// "<pid> <start time in clock ticks since boot>" of a process, "" when it is
// gone (or a zombie): the start time tells a reused pid apart.
std::string process_identity(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return {};
  const auto close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 2));
  std::string field, state;
  rest >> state;
  if (state == "Z" || state == "X") return {};
  // Fields 4..21 after the state; the start time is field 22.
  for (int i = 4; i <= 22 && rest >> field; ++i) {
  }
  return std::to_string(pid) + " " + field;
}

}  // namespace

std::string make_profile_dir(const std::string& root_dir, const std::string& instance_id) {
  std::string name = "camoufleet-";
  for (char ch : instance_id) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  const fs::path root(root_dir);
  std::string templ = (root / (name + "-XXXXXX")).string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  // mkdtemp creates it 0700: the profile will hold the account's cookies.
  if (!::mkdtemp(buf.data())) {
    throw driver_error(failure_kind::browser_gone,
                       "cannot create profile dir under " + root.string() + ": " + std::strerror(errno));
  }
  // Who owns it, so a later camoufleet can remove it if we die by SIGKILL.
  std::ofstream(std::string(buf.data()) + "/" + owner_file) << process_identity(::getpid()) << "\n";
  return std::string(buf.data());
}

void remove_dir(const std::string& dir) {
  if (dir.empty()) return;
  boost::system::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) {
    // A helper process may still be writing into it for a moment.
    std::this_thread::sleep_for(100ms);
    fs::remove_all(dir, ec);
    if (ec) spdlog::warn("cannot remove profile dir {}: {}", dir, ec.message());
  }
}

namespace {

// GET /json/version on loopback; "" when it does not answer.
std::string endpoint_from_json_version(int port, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  timeval tv{};
  tv.tv_sec = static_cast<long>(timeout.count() / 1000);
  tv.tv_usec = static_cast<long>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    // HTTP/1.0 gets an empty reply from Chromium, and it keeps 1.1
    // connections open: read exactly Content-Length.
    std::string req = "GET /json/version HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                      "\r\nConnection: close\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while (response.size() < 65536 && (n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
        response.append(buf, static_cast<std::size_t>(n));
        auto head_end = response.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        std::string head = response.substr(0, head_end);
        for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        auto cl = head.find("content-length:");
        if (cl == std::string::npos) continue;
        std::size_t want = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
        if (response.size() >= head_end + 4 + want) break;
      }
    }
  }
  ::close(fd);
  auto body = response.find("\r\n\r\n");
  if (body == std::string::npos) return {};
  auto j = nlohmann::json::parse(response.substr(body + 4), nullptr, false);
  if (!j.is_object() || !j.contains("webSocketDebuggerUrl") || !j["webSocketDebuggerUrl"].is_string()) return {};
  return j["webSocketDebuggerUrl"].get<std::string>();
}

}  // namespace

std::string join_tail(const std::vector<std::string>& lines, std::size_t max_lines) {
  std::string out;
  std::size_t start = lines.size() > max_lines ? lines.size() - max_lines : 0;
  for (std::size_t i = start; i < lines.size(); ++i) {
    if (!out.empty()) out += " | ";
    out += lines[i];
  }
  return out;
}

int remove_stale_profile_dirs(const std::string& profile_root) {
  const fs::path root = profile_root.empty() ? fs::temp_directory_path() : fs::path(profile_root);
  boost::system::error_code ec;
  int removed = 0;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.rfind("camoufleet-", 0) != 0 || !fs::is_directory(it->path(), ec)) continue;
    std::ifstream in((it->path() / owner_file).string());
    std::string owner;
    // No owner file: not one of ours (or from a version that wrote none).
    if (!in || !std::getline(in, owner) || owner.empty()) continue;
    const int pid = std::atoi(owner.c_str());
    if (pid <= 0 || process_identity(pid) == owner) continue;  // its camoufleet lives
    remove_dir(it->path().string());
    spdlog::info("Removed the profile dir {} of a camoufleet that is gone (pid {})",
                 it->path().string(), pid);
    ++removed;
  }
  return removed;
}

std::unique_ptr<browser_process> browser_process::launch(const browser_options& options,
                                                         exit_callback on_exit) {
  const std::string tag = options.instance_id.empty() ? "browser" : options.instance_id;
  fs::path root = options.profile_root.empty() ? fs::temp_directory_path() : fs::path(options.profile_root);
  {
    boost::system::error_code ec;
    fs::create_directories(root, ec);
  }

  const auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  int next_port = options.base_port;
  for (int attempt = 0; attempt < std::max(1, options.port_attempts); ++attempt) {
    int port = find_free_port(next_port, std::max(1, options.port_attempts - attempt));
    if (port == 0) break;

    std::string dir = make_profile_dir(root.string(), tag);
    auto watch = std::make_shared<launch_watch>();
    watch->user_on_exit = on_exit;

    owned_child::spec sp;
    sp.path = options.browser_path;
    sp.args = chromium_args(options, port, dir);
    if (options.display == display_mode::virtual_display && !options.x_display.empty()) {
      sp.env.emplace_back("DISPLAY", options.x_display);
    }
    sp.on_stderr_line = [watch](const std::string& line) {
      std::string ep = devtools_endpoint_from_line(line);
      bool busy = line.find("bind() failed") != std::string::npos ||
                  line.find("Cannot start http server for devtools") != std::string::npos;
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

    std::unique_ptr<owned_child> child;
    try {
      child = owned_child::spawn(std::move(sp), [watch](const exit_info& info) {
        browser_process::exit_callback user;
        {
          std::lock_guard<std::mutex> lock(watch->m);
          watch->exited = true;
          watch->exit = info;
          if (watch->launched) user = watch->user_on_exit;
          watch->cv.notify_all();
        }
        if (user) user(info);
      });
    } catch (...) {
      remove_dir(dir);
      throw;
    }

    std::string endpoint;
    bool busy = false, exited = false;
    exit_info exit;
    auto next_probe = std::chrono::steady_clock::now();
    {
      std::unique_lock<std::mutex> lock(watch->m);
      for (;;) {
        if (!watch->endpoint.empty() || watch->port_busy || watch->exited) break;
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) break;
        // Fallback for a wrapper that sends stderr elsewhere: ask DevTools.
        // Never while stderr is ours: when another browser beat us to the
        // port, it would answer, and its endpoint would be taken for ours.
        if (watch->stderr_closed && now >= next_probe) {
          lock.unlock();
          std::string ep = endpoint_from_json_version(port, 500ms);
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
      endpoint = watch->endpoint;
      busy = watch->port_busy;
      exited = watch->exited;
      exit = watch->exit;
    }

    // Chromium falls back to [::1] when 127.0.0.1:port is taken: another
    // process beat us to the port.
    if (!endpoint.empty() && endpoint.rfind("ws://127.0.0.1:", 0) != 0) busy = true;

    if (busy && !exited) {
      spdlog::info("{}: DevTools port {} was taken, trying the next one", tag, port);
      child->terminate(2s);
      child.reset();
      remove_dir(dir);
      next_port = port + 1;
      continue;
    }
    if (!endpoint.empty() && !exited) {
      std::unique_ptr<browser_process> bp(new browser_process());
      {
        std::lock_guard<std::mutex> lock(watch->m);
        watch->launched = true;
      }
      // It may have died between the line and now: report that instead.
      if (!child->running()) {
        auto info = child->exit_status();
        child.reset();
        remove_dir(dir);
        throw driver_error(failure_kind::browser_gone, tag + ": chromium " + info.text + " right after start");
      }
      bp->child_ = std::move(child);
      bp->port_ = port;
      bp->ws_endpoint_ = endpoint;
      bp->profile_dir_ = dir;
      bp->instance_id_ = tag;
      spdlog::info("{}: chromium up, pid {}, DevTools port {}", tag, bp->pid(), port);
      return bp;
    }

    std::string tail = join_tail(child->stderr_tail());
    if (exited) {
      child.reset();
      remove_dir(dir);
      throw driver_error(failure_kind::browser_gone,
                         tag + ": chromium " + exit.text + " during start" + (tail.empty() ? "" : ": " + tail));
    }
    child->terminate(2s);
    child.reset();
    remove_dir(dir);
    throw driver_error(failure_kind::timeout, tag + ": DevTools did not come up in " +
                                                  std::to_string(options.start_timeout.count()) + " ms" +
                                                  (tail.empty() ? "" : ": " + tail));
  }
  throw driver_error(failure_kind::browser_gone,
                     tag + ": no free DevTools port from " + std::to_string(options.base_port));
}

browser_process::~browser_process() {
  if (child_) {
    if (child_->running()) terminate(2s);
    child_.reset();
  }
  remove_dir(profile_dir_);
}

int browser_process::pid() const { return child_ ? child_->pid() : 0; }

bool browser_process::running() const { return child_ && child_->running(); }

exit_info browser_process::terminate(std::chrono::milliseconds grace) {
  if (!child_) return {};
  bool was_running = child_->running();
  exit_info info = child_->terminate(grace);
  if (was_running) spdlog::info("{}: chromium stopped ({})", instance_id_, info.text);
  return info;
}

bool browser_process::wait_for_exit(std::chrono::milliseconds timeout) const {
  return !child_ || child_->wait_for_exit(timeout);
}

std::vector<std::string> browser_process::stderr_tail() const {
  return child_ ? child_->stderr_tail() : std::vector<std::string>{};
}

}  // namespace camoufleet::browser
