#pragma once
// A tiny loopback HTTP server for the BiDi tests (port 0, one thread per
// connection, all joined on destruction):
//   GET /        a page with a "Run" button at the top left (0,0)-(200,100)
//                whose click POSTs /stream with XMLHttpRequest, and a page
//                script that records whether a preload script ran before it
//                and what localStorage["seeded"] held then;
//   GET /text/NAME  text/plain "text:/text/NAME" (not cached);
//   POST /stream a chunked application/json body: "part-1;" at once, then
//                waits (up to 15 s) for release(), then "part-2;" and the end.
// It records the Cookie header of every request.

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace camoufleet::bidi::testing {

class page_server {
 public:
  page_server();
  ~page_server();
  page_server(const page_server&) = delete;
  page_server& operator=(const page_server&) = delete;

  int port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Lets a waiting /stream response write its second chunk and end.
  void release();
  // True once a /stream response ended after release() (not by its timeout).
  bool stream_released_in_time() const;
  // True while a /stream response has sent part-1 and not ended yet.
  bool stream_open() const;
  // Cookie headers seen, in order ("" for requests without one).
  std::vector<std::string> cookie_headers() const;

 private:
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool released_ = false;
  bool stream_open_ = false;
  bool released_in_time_ = false;
  std::vector<std::string> cookies_;
  std::vector<int> open_fds_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

}  // namespace camoufleet::bidi::testing
