// fork + exec safe in a threaded process: everything is built before the
// fork, the child makes only async-signal-safe calls, keeps only stdin,
// stdout and stderr, and dies with the thread that forked it.
#include "browser/child_spawn.hpp"
#include "browser/launch_wrapper.hpp"

#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/filesystem.hpp>
#include <boost/process/search_path.hpp>

namespace camoufleet::browser::detail {

namespace bp = boost::process;
namespace fs = boost::filesystem;

namespace {

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

}  // namespace

std::pair<int, int> spawn_child(const owned_child::spec& sp, std::chrono::milliseconds timeout) {
  fs::path exe = sp.path;
  if (sp.path.find('/') == std::string::npos) exe = bp::search_path(sp.path);
  if (exe.empty()) throw std::runtime_error("not found in PATH: " + sp.path);
  const std::string exe_path = unwrap_launcher(exe.string());

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

}  // namespace camoufleet::browser::detail
