#pragma once
// The one WebSocket client and request/response channel every browser
// protocol speaks over (CDP: cdp::connection; WebDriver BiDi: bidi::session):
// commands with ids matched to their replies, each with a deadline, event
// subscriptions, and the end of the connection reported once. The protocol
// supplies its framing (browser/channel_framing.hpp). All socket work
// happens on the shared io_thread; the public calls are safe from any
// thread. Boost headers stay in the .cpp files.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "browser/channel_framing.hpp"
#include "browser/io_thread.hpp"

namespace camoufleet::browser {

class channel;
namespace detail {
struct channel_impl;
struct subscription_entry;
}  // namespace detail

// RAII handle of an event handler: destroying it (or reset()) unsubscribes.
// Once reset() returned, the handler is not running and will not run again;
// a handler may reset its own subscription from inside itself. Do not reset
// while holding a lock the handler itself takes (the reset waits for a running
// handler to return).
class subscription {
 public:
  subscription() = default;
  subscription(subscription&& other) noexcept;
  subscription& operator=(subscription&& other) noexcept;
  subscription(const subscription&) = delete;
  subscription& operator=(const subscription&) = delete;
  ~subscription();

  void reset();
  bool active() const { return static_cast<bool>(entry_); }

 private:
  friend class channel;
  subscription(std::weak_ptr<detail::channel_impl> owner,
               std::shared_ptr<detail::subscription_entry> entry);
  std::weak_ptr<detail::channel_impl> owner_;
  std::shared_ptr<detail::subscription_entry> entry_;
};

class channel {
 public:
  using event_handler =
      std::function<void(const nlohmann::json& params, const std::string& session_id)>;
  // Exactly one of result / error is set: result != nullptr on success,
  // otherwise error is "<method>: <reason>".
  using call_callback =
      std::function<void(const nlohmann::json* result, const std::string& error)>;
  using close_handler = std::function<void(const std::string& reason)>;

  // Resolve, connect and do the websocket handshake to ws_url
  // ("ws://127.0.0.1:9222/devtools/browser/<id>"). Blocks the caller (not
  // allowed on the io thread). Throws driver_error: timeout when the deadline
  // passed, browser_gone when the endpoint refused or broke. The protocol's
  // framing encodes commands and classifies incoming frames.
  static std::shared_ptr<channel> connect(io_thread& io, const std::string& ws_url,
                                          std::chrono::milliseconds timeout, framing wire);

  // Closes (see close()).
  virtual ~channel();
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;

  // Sends a command and BLOCKS the calling thread until its reply; returns the
  // reply's "result". session_id routes it to a flattened target session.
  // Throws driver_error: timeout (no reply by the deadline), browser_gone
  // (socket closed before the reply, or already closed), site_error (an
  // error reply: "<method>: <message>"). Throws std::logic_error when called
  // on the io thread (it would deadlock): use call_async there.
  nlohmann::json call(const std::string& method,
                      nlohmann::json params = nlohmann::json::object(),
                      const std::string& session_id = "",
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Non-blocking: done runs once, on the io thread (also when the connection
  // is already closed: then soon, with a browser_gone message). Must not block.
  void call_async(const std::string& method, nlohmann::json params, const std::string& session_id,
                  std::chrono::milliseconds timeout, call_callback done);

  // Calls handler for every event named method ("" = every event), from the
  // io thread, in arrival order. Handlers must not block (no call() inside:
  // use call_async). Keep the returned subscription alive as long as wanted.
  subscription subscribe(const std::string& method, event_handler handler);

  // Called once, on the io thread, when the connection ends for any reason
  // other than close(): the peer closed, the socket broke, the browser died.
  // Every pending command has already failed with browser_gone at that point.
  // If the connection is already gone, handler is called soon (io thread).
  void on_close(close_handler handler);

  // Closes the websocket; pending commands fail with browser_gone
  // "connection closed". From a non-io thread it waits (bounded) until the
  // socket is shut, so no handler of this connection runs after it returns.
  // From the io thread it only starts the close. Idempotent.
  void close();

  bool is_open() const;

  // The target session is gone (its tab crashed or closed): its pending
  // commands fail now with browser_gone "<method>: <reason>", and so does
  // every later one sent to it, at once. Any thread; never blocks. On the
  // io thread (an event handler) they have failed when it returns.
  void fail_session(const std::string& session_id, const std::string& reason);

  // The endpoint this connection was opened to.
  const std::string& url() const { return url_; }

 protected:
  // For a protocol's own channel type (cdp::connection): open() connects as
  // connect() does; the constructor wraps what it returns.
  static std::shared_ptr<detail::channel_impl> open(io_thread& io, const std::string& ws_url,
                                                    std::chrono::milliseconds timeout, framing wire);
  channel(std::shared_ptr<detail::channel_impl> impl, std::string url);

 private:
  std::shared_ptr<detail::channel_impl> impl_;
  std::string url_;
};

}  // namespace camoufleet::browser
