#pragma once
// A request body over the limit is answered as soon as its head says so (or,
// without Content-Length, as soon as the bytes pass the limit): a readable
// 413 with an OpenAI error body and `Connection: close`, then the rest of the
// upload is read and dropped for a bounded number of bytes and time, so the
// client can finish sending and read the answer instead of hitting a reset
// (what nginx and Apache call a lingering close). Pistache 0.0.5 alone
// answers a plain-text 413 only after buffering the limit, then parses the
// rest of the body as new requests and closes under the client's feet.
//
// Called from the HTTP handler's onInput on the connection's reactor thread.
// Only server.cpp and body_guard.cpp see Pistache.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "http/cors.hpp"

namespace Pistache::Tcp {
class Peer;
}
namespace Pistache::Http {
class Handler;
}

namespace camoufleet::http {

struct body_limit {
  std::size_t max_body = 0;                 // bytes; over it: 413
  std::size_t header_slack = 64 * 1024;     // room for the head when counting unframed bytes
  std::size_t drain_bytes = 64u << 20;      // read and dropped after the 413, at most
  std::chrono::milliseconds drain_time{10000};
};

// What the oversized request's head said, when it was read whole ("" if not
// sent or not yet known): enough for the answer's CORS headers, so that a
// web page can read its 413 like any other error.
struct oversized_request {
  std::size_t declared = 0;  // Content-Length; 0 if unknown
  std::string origin;        // the Origin header
  std::string host;          // the Host header's host name
};

struct oversize_answer {
  header_list headers;  // beyond Content-Type, Content-Length and Connection
  std::string body;
};

// Feeds the bytes to Pistache's own HTTP parser unless the connection's
// current request is over the limit; then answers 413 itself (headers and
// body from make_413) and drains.
void guarded_input(Pistache::Http::Handler& handler, const body_limit& limit, const char* buffer,
                   std::size_t len, const std::shared_ptr<Pistache::Tcp::Peer>& peer,
                   const std::function<oversize_answer(const oversized_request&)>& make_413);

}  // namespace camoufleet::http
