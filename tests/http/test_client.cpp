#include "test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace camoufleet::testing {

using steady = std::chrono::steady_clock;

std::vector<sse_event> parse_sse(std::string& buffer) {
  std::vector<sse_event> out;
  for (;;) {
    const auto end = buffer.find("\n\n");
    if (end == std::string::npos) break;
    const std::string block = buffer.substr(0, end);
    buffer.erase(0, end + 2);
    sse_event ev;
    std::string data;
    bool has_data = false;
    std::size_t pos = 0;
    while (pos <= block.size()) {
      auto nl = block.find('\n', pos);
      if (nl == std::string::npos) nl = block.size();
      const std::string line = block.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.rfind(":", 0) == 0) {
        ev.comment = true;
        ev.data = line.size() > 2 ? line.substr(2) : std::string();
      } else if (line.rfind("event:", 0) == 0) {
        ev.event = line.substr(line.size() > 6 && line[6] == ' ' ? 7 : 6);
      } else if (line.rfind("data:", 0) == 0) {
        std::string v = line.substr(5);
        if (!v.empty() && v[0] == ' ') v.erase(0, 1);
        if (has_data) data += '\n';
        data += v;
        has_data = true;
      }
    }
    if (has_data) {
      ev.comment = false;
      ev.data = data;
    }
    out.push_back(ev);
  }
  return out;
}

http_connection::http_connection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close();
}

http_connection::~http_connection() { close(); }

void http_connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool http_connection::send_all(const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    if (fd_ < 0) return false;
    const auto n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

bool http_connection::fill(steady::time_point deadline) {
  if (fd_ < 0 || eof_) return false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0) return false;
    if (rc == 0) continue;
    char buf[16384];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    in_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
}

bool http_connection::read_line(std::string& line, steady::time_point deadline) {
  for (;;) {
    const auto pos = in_.find("\r\n");
    if (pos != std::string::npos) {
      line = in_.substr(0, pos);
      in_.erase(0, pos + 2);
      return true;
    }
    if (!fill(deadline)) return false;
  }
}

bool http_connection::read_head(wire_response& r, std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  std::string line;
  if (!read_line(line, deadline)) return false;
  if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) return false;
  r.status = std::atoi(line.c_str() + 9);
  for (;;) {
    if (!read_line(line, deadline)) return false;
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers[name] = value;
  }
  return true;
}

std::optional<std::string> http_connection::next_chunk(std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  if (ended_) return std::nullopt;
  std::string line;
  if (!read_line(line, deadline)) return std::nullopt;
  const auto size = std::strtoul(line.c_str(), nullptr, 16);
  if (size == 0) {
    read_line(line, deadline);  // the empty line after the last chunk
    ended_ = true;
    return std::nullopt;
  }
  while (in_.size() < size + 2)
    if (!fill(deadline)) return std::nullopt;
  std::string data = in_.substr(0, size);
  in_.erase(0, size + 2);
  return data;
}

bool http_connection::read_body(wire_response& r, std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  if (r.status == 204 || r.status == 304) {  // never a body (RFC 9110 6.4.1)
    r.complete = true;
    return true;
  }
  if (r.header("transfer-encoding") == "chunked") {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      if (left.count() <= 0) return false;
      auto c = next_chunk(left);
      if (!c) {
        r.complete = ended_;
        return ended_;
      }
      r.body += *c;
    }
  }
  const auto cl = r.header("content-length");
  if (!cl.empty()) {
    const auto n = std::strtoul(cl.c_str(), nullptr, 10);
    while (in_.size() < n)
      if (!fill(deadline)) return false;
    r.body = in_.substr(0, n);
    in_.erase(0, n);
    r.complete = true;
    return true;
  }
  while (fill(deadline)) {
  }
  r.body = in_;
  in_.clear();
  r.complete = eof_;
  return eof_;
}

std::string build_request(const std::string& method, const std::string& path,
                          const std::string& body,
                          const std::map<std::string, std::string>& headers) {
  std::string req = method + " " + path + " HTTP/1.1\r\n";
  if (headers.count("Host") == 0) req += "Host: 127.0.0.1\r\n";
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    if (k == "Content-Type") has_type = true;
  }
  if (!body.empty() || method == "POST") {
    if (!has_type) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n";
  req += body;
  return req;
}

wire_response http_call(int port, const std::string& method, const std::string& path,
                        const std::string& body, const std::map<std::string, std::string>& headers,
                        std::chrono::milliseconds timeout) {
  wire_response r;
  http_connection c(port);
  if (!c.connected()) return r;
  if (!c.send_all(build_request(method, path, body, headers))) return r;
  if (!c.read_head(r, timeout)) return r;
  c.read_body(r, timeout);
  return r;
}

}  // namespace camoufleet::testing
