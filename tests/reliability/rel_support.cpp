#include "tests/reliability/rel_support.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <set>
#include <sstream>

#include <doctest/doctest.h>

namespace camoufleet::reliability {

void figure(const std::string& text) {
  std::cout << "figure: " << text << std::endl;
  MESSAGE("figure: " << text);
}

long ms_since(clock_type::time_point t0) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count());
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

// "" when unreadable: a /proc file whose process exits while it is read
// fails the read (ESRCH), which libstdc++ reports by throwing.
std::string read_file(const std::string& path) {
  try {
    std::ifstream f(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  } catch (const std::exception&) {
    return {};
  }
}

int parent_pid(int pid) {
  // Field 4 of /proc/pid/stat, after the parenthesised command name.
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 2));
  char state = 0;
  int ppid = 0;
  in >> state >> ppid;
  return ppid;
}

}  // namespace

std::vector<std::string> sockets_of(int pid) {
  std::vector<std::string> out;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* fds = ::opendir(dir.c_str());
  if (!fds) return out;
  while (auto* e = ::readdir(fds)) {
    char target[256];
    const auto n = ::readlink((dir + "/" + e->d_name).c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    const std::string t(target, static_cast<std::size_t>(n));
    if (t.rfind("socket:[", 0) == 0) out.push_back(t);
  }
  ::closedir(fds);
  return out;
}

int browser_pid_for_port(const e2e::fleet_fixture& f, int port) {
  if (testing::firefox_kind()) {
    // Firefox is started with --remote-debugging-port 0 and picks its own
    // port: the instance that reports this port names its browser's pid.
    auto r = f.get("/v1/instances");
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (r.status != 200 || j.is_discarded()) return 0;
    for (const auto& i : j.value("instances", nlohmann::json::array()))
      if (i.value("port", 0) == port && i["browser_pid"].is_number()) return i["browser_pid"].get<int>();
    return 0;
  }
  // Exact arguments, and only this fleet's browsers: under ctest -j2 another
  // fleet's browser can hold the same port flag for a moment (a launch that
  // lost the port race is being stopped), and a prefix would match 9222 in
  // 92220.
  const std::string port_arg = "--remote-debugging-port=" + std::to_string(port);
  const std::string dir_arg = "--user-data-dir=" + profile_root(f) + "/";
  std::vector<int> pids;
  for (int pid : e2e::browser_pids(dir_arg)) {
    const std::string cmd = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    std::istringstream args(cmd);
    std::string arg;
    while (std::getline(args, arg, '\0'))
      if (arg == port_arg) {
        pids.push_back(pid);
        break;
      }
  }
  std::set<int> all(pids.begin(), pids.end());
  for (int pid : pids)
    if (!all.count(parent_pid(pid)) && process_alive(pid)) return pid;
  return 0;
}

long rss_kib(int pid) {
  std::istringstream in(read_file("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

bool process_alive(int pid) {
  if (pid <= 0) return false;
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  return stat[close + 2] != 'Z' && stat[close + 2] != 'X';
}

nlohmann::json instance_by_id(const e2e::fleet_fixture& f, const std::string& id) {
  auto r = f.get("/v1/instances");
  if (r.status != 200) return nullptr;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("instances")) return nullptr;
  for (const auto& i : j["instances"])
    if (i.value("id", "") == id) return i;
  return nullptr;
}

nlohmann::json instance_by_file(const e2e::fleet_fixture& f, const std::string& auth_file) {
  auto r = f.get("/v1/instances");
  if (r.status != 200) return nullptr;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("instances")) return nullptr;
  for (const auto& i : j["instances"])
    if (i.value("auth_file", "") == auth_file) return i;
  return nullptr;
}

std::vector<testing::http_response> burst(const e2e::fleet_fixture& f, int n, const std::string& tag) {
  std::vector<std::future<testing::http_response>> calls;
  for (int k = 0; k < n; ++k)
    calls.push_back(std::async(std::launch::async, [&f, k, tag] {
      return f.post("/v1/chat/completions", e2e::chat_body(tag + " " + std::to_string(k)), {}, 90s);
    }));
  std::vector<testing::http_response> out;
  for (auto& c : calls) out.push_back(c.get());
  return out;
}

nlohmann::json wait_busy_instance(const e2e::fleet_fixture& f, std::chrono::milliseconds deadline) {
  nlohmann::json found;
  testing::wait_until(
      [&] {
        auto r = f.get("/v1/instances");
        if (r.status != 200) return false;
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (j.is_discarded()) return false;
        for (const auto& i : j["instances"]) {
          if (i.value("status", "") == "busy") {
            found = i;
            return true;
          }
        }
        return false;
      },
      deadline, 20ms);
  return found;
}

std::string profile_root(const e2e::fleet_fixture& f) {
  const auto& a = f.auth_dir();
  return a.substr(0, a.rfind('/'));
}

std::vector<std::string> dir_entries(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.rfind(prefix, 0) == 0) out.push_back(dir + "/" + name);
  }
  ::closedir(d);
  return out;
}

int tcp_connect(const std::string& addr, int port, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, addr.c_str(), &sa.sin_addr) != 1) {
    ::close(fd);
    return -1;
  }
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
    } else {
      rc = -1;
    }
  }
  if (rc != 0) {
    ::close(fd);
    return -1;
  }
  // Blocking again: callers write and read with their own timeouts.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

std::vector<std::string> non_loopback_ipv4() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    if (i->ifa_flags & IFF_LOOPBACK) continue;
    char buf[INET_ADDRSTRLEN] = {};
    auto* sin = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
    if (::inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf)) out.emplace_back(buf);
  }
  ::freeifaddrs(list);
  return out;
}

stopped_guard::~stopped_guard() {
  for (int pid : pids_) {
    // Only a process that is still a browser's: the pid may have been reused.
    std::string cmd = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    if (cmd.find("chrom") == std::string::npos && cmd.find("firefox") == std::string::npos) continue;
    ::kill(pid, SIGCONT);
    ::kill(pid, SIGKILL);
  }
}

bool is_openai_error(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  return !j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object() &&
         j["error"].contains("message") && j["error"]["message"].is_string() &&
         j["error"].contains("type") && j["error"]["type"].is_string();
}

footprint measure(int pid) {
  footprint out;
  out.rss_kib = rss_kib(pid);
  std::error_code ec;
  int n = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++n;
  out.fds = n;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Threads:", 0) == 0) out.threads = std::atoi(line.c_str() + 8);
  return out;
}

std::string describe(const char* when, const footprint& p) {
  return std::string(when) + " RSS " + std::to_string(p.rss_kib) + " KiB, " +
         std::to_string(p.fds) + " fds, " + std::to_string(p.threads) + " threads";
}

}  // namespace camoufleet::reliability
