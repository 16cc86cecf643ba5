#pragma once
// What the Chromium launch tests share: a busy port, a TCP probe, the
// machine's non-loopback address, launch options in a scratch dir, a
// script written for a fake browser. Internal to tests/browser.

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <boost/filesystem.hpp>
#include "browser/browser_process.hpp"
#include "browser/cdp/connection.hpp"
#include "browser/port_picker.hpp"
#include "browser/virtual_display.hpp"
#include "tests/browser/process_watch.hpp"
#include "tests/browser/scratch_dir.hpp"
#include "test_support.hpp"

namespace camoufleet::browser::testing {

using namespace std::chrono_literals;

// A loopback listener on an ephemeral port, to make a port busy.
struct listener {
  int fd = -1;
  int port = 0;
  explicit listener(int want = 0) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(want));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0) {
      ::close(fd);
      fd = -1;
      return;
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~listener() {
    if (fd >= 0) ::close(fd);
  }
};

inline bool tcp_connects(const std::string& ip, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

inline std::string first_non_loopback_ipv4() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::string found;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    char buf[INET_ADDRSTRLEN];
    auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    ::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
    if (std::string(buf).rfind("127.", 0) == 0) continue;
    found = buf;
    break;
  }
  ::freeifaddrs(list);
  return found;
}

inline browser_options test_options(const scratch_dir& dir, const std::string& id) {
  browser_options o;
  o.instance_id = id;
  o.profile_root = dir.path;
  o.base_port = 21222 + static_cast<int>(::getpid() % 3000);
  o.start_timeout = 30s;
  return o;
}

inline std::string write_script(const scratch_dir& dir, const std::string& name, const std::string& body) {
  std::string path = dir.path + "/" + name;
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  ::chmod(path.c_str(), 0755);
  return path;
}

}  // namespace camoufleet::browser::testing
