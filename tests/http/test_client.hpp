#pragma once
// A small blocking HTTP/1.1 client on raw sockets for the server tests:
// every read has a deadline, chunked bodies are decoded, and SSE text is
// split into events. The socket closes in the destructor.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace camoufleet::testing {

// Named apart from test_support's http_request/http_response (a Boost.Beast
// client for whole suites): this one sees the bytes as they come.
struct wire_response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // de-chunked
  bool complete = false;                       // body fully received
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct sse_event {
  bool comment = false;
  std::string data;  // the data: payload, or the comment text
  std::string event;  // the event: field ("" = none)
};

// Splits SSE text into events; `rest` keeps an incomplete tail.
std::vector<sse_event> parse_sse(std::string& buffer);

class http_connection {
 public:
  explicit http_connection(int port);
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send_all(const std::string& bytes);
  // Reads the status line and headers.
  bool read_head(wire_response& r, std::chrono::milliseconds timeout);
  // Reads the rest of the body (content-length, chunked or until close).
  bool read_body(wire_response& r, std::chrono::milliseconds timeout);
  // For chunked bodies: the next decoded chunk; nullopt at the end or on
  // timeout (ended() tells which).
  std::optional<std::string> next_chunk(std::chrono::milliseconds timeout);
  bool ended() const { return ended_; }
  void close();

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);  // read more bytes
  bool read_line(std::string& line, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string in_;
  bool ended_ = false;
  bool eof_ = false;
};

std::string build_request(const std::string& method, const std::string& path,
                          const std::string& body,
                          const std::map<std::string, std::string>& headers = {});

// One request on a fresh connection, whole response read.
wire_response http_call(int port, const std::string& method, const std::string& path,
                        const std::string& body = "",
                        const std::map<std::string, std::string>& headers = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace camoufleet::testing
