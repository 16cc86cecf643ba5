#pragma once
// CDP's connection: the shared channel (browser/channel.hpp) with CDP's
// framing, on one browser-level websocket with flattened target sessions
// (session_id routes a command to one). Attach mode is simply connect() to
// a ws:// endpoint someone else launched.

#include <chrono>
#include <memory>
#include <string>

#include "browser/cdp/protocol.hpp"
#include "browser/channel.hpp"
#include "browser/io_thread.hpp"

namespace camoufleet::browser::cdp {

using browser::subscription;

class connection : public browser::channel {
 public:
  // browser::channel::connect with CDP's framing; throws as it does.
  static std::shared_ptr<connection> connect(io_thread& io, const std::string& ws_url,
                                             std::chrono::milliseconds timeout) {
    return std::shared_ptr<connection>(
        new connection(open(io, ws_url, timeout, cdp_framing()), ws_url));
  }

 private:
  using channel::channel;
};

}  // namespace camoufleet::browser::cdp
