#include "tests/bidi/test_page_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <stdexcept>

namespace camoufleet::bidi::testing {

namespace {

const char page_html[] = R"(<!doctype html>
<html><head><title>bidi test page</title>
<style>body{margin:0} #run{position:absolute;left:0;top:0;width:200px;height:100px}</style>
<script>
  // The page's own first script: was the preload hook there already?
  window.pageSawPreload = window.preloadRan === true;
  window.pageSawStorage = localStorage.getItem('seeded');
  window.clicks = 0;
</script></head>
<body><button id="run">Run</button>
<script>
  document.getElementById('run').addEventListener('click', () => {
    window.clicks++;
    const x = new XMLHttpRequest();
    x.open('POST', '/stream');
    x.send('go');
  });
</script></body></html>
)";

bool send_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

std::string chunk(const std::string& data) {
  char len[32];
  std::snprintf(len, sizeof len, "%zx\r\n", data.size());
  return len + data + "\r\n";
}

std::string header_value(const std::string& head, const std::string& name) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  auto pos = lower.find("\r\n" + name + ":");
  if (pos == std::string::npos) return {};
  pos += name.size() + 3;
  auto end = head.find("\r\n", pos);
  std::string v = head.substr(pos, end - pos);
  v.erase(0, v.find_first_not_of(' '));
  return v;
}

}  // namespace

page_server::page_server() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("page_server: cannot listen on loopback");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

page_server::~page_server() {
  {
    std::lock_guard<std::mutex> lock(m_);
    stopping_ = true;
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  cv_.notify_all();
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  for (auto& t : workers_) t.join();
}

void page_server::accept_loop() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    std::lock_guard<std::mutex> lock(m_);
    if (stopping_) {
      if (fd >= 0) ::close(fd);
      return;
    }
    if (fd < 0) continue;
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void page_server::serve(int fd) {
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string req;
  char buf[4096];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    req.append(buf, static_cast<std::size_t>(n));
  }
  auto head_end = req.find("\r\n\r\n");
  if (head_end != std::string::npos) {
    std::string head = req.substr(0, head_end);
    std::string line = head.substr(0, head.find("\r\n"));
    {
      std::lock_guard<std::mutex> lock(m_);
      cookies_.push_back(header_value(head, "cookie"));
    }
    if (line.rfind("GET / ", 0) == 0) {
      std::string body = page_html;
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    } else if (line.rfind("GET /text/", 0) == 0) {
      // The body names the path: "text:/text/NAME".
      std::string body = "text:" + line.substr(4, line.find(' ', 4) - 4);
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: no-store\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    } else if (line.rfind("POST /stream ", 0) == 0) {
      std::size_t want = std::strtoul(header_value(head, "content-length").c_str(), nullptr, 10);
      while (req.size() < head_end + 4 + want) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
      }
      bool ok = send_all(fd,
                         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n"
                         "Cache-Control: no-store\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                             chunk("part-1;"));
      std::unique_lock<std::mutex> lock(m_);
      stream_open_ = ok;
      bool in_time = cv_.wait_for(lock, std::chrono::seconds(15), [&] { return released_ || stopping_; });
      released_in_time_ = in_time && released_;
      lock.unlock();
      send_all(fd, chunk("part-2;") + "0\r\n\r\n");
      lock.lock();
      stream_open_ = false;
    } else {
      send_all(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }
  }
  std::lock_guard<std::mutex> lock(m_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  ::close(fd);
}

void page_server::release() {
  {
    std::lock_guard<std::mutex> lock(m_);
    released_ = true;
  }
  cv_.notify_all();
}

bool page_server::stream_released_in_time() const {
  std::lock_guard<std::mutex> lock(m_);
  return released_in_time_;
}

bool page_server::stream_open() const {
  std::lock_guard<std::mutex> lock(m_);
  return stream_open_;
}

std::vector<std::string> page_server::cookie_headers() const {
  std::lock_guard<std::mutex> lock(m_);
  return cookies_;
}

}  // namespace camoufleet::bidi::testing
