#pragma once
// The channel's socket side, on the io thread: connect (resolve, TCP,
// handshake), the read loop and dispatch of replies and events, the write
// queue, one timer for all deadlines, and the end. Internal to
// browser/channel*.cpp (Beast headers).

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <spdlog/spdlog.h>

#include "browser/channel.hpp"

namespace camoufleet::browser::detail {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

// Screenshots and long response bodies arrive as one frame.
inline constexpr std::size_t max_message_bytes = 64u * 1024u * 1024u;
// close() waits this long for the io thread to take the connection down.
inline constexpr auto close_wait = std::chrono::seconds(2);

template <class F>
void guarded(const char* what, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::error("channel: {} threw: {}", what, e.what());
  } catch (...) {
    spdlog::error("channel: {} threw", what);
  }
}

struct subscription_entry {
  std::string method;
  channel::event_handler handler;
  // Held while the handler runs, so cancel() returns only once it is not
  // running; recursive so a handler may cancel its own subscription.
  std::recursive_mutex m;
  bool alive = true;

  void invoke(const json& params, const std::string& session_id) {
    std::lock_guard<std::recursive_mutex> lock(m);
    if (!alive) return;
    guarded("event handler", [&] { handler(params, session_id); });
  }
  void cancel() {
    std::lock_guard<std::recursive_mutex> lock(m);
    alive = false;  // the handler object itself lives on until the last copy goes
  }
};

struct channel_impl : std::enable_shared_from_this<channel_impl> {
  using clock = pending_table::clock;

  channel_impl(io_thread& thread, ws_url_parts where, framing wire)
      : io(thread), resolver(io.context()), ws(io.context()), timer(io.context()), parts(std::move(where)),
        codec(wire) {}

  io_thread& io;
  tcp::resolver resolver;
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  net::steady_timer timer;
  ws_url_parts parts;
  framing codec;

  // io thread only
  pending_table pending;
  std::map<std::string, std::string> dead_sessions;  // session -> why (fail_session)
  std::deque<std::string> write_queue;
  std::optional<clock::time_point> armed;
  bool ended = false;

  std::atomic<bool> open{false};

  std::mutex subs_m;
  std::vector<std::shared_ptr<subscription_entry>> subs;

  std::mutex close_m;
  bool close_done = false;  // end() ran: handlers registered later are called at once
  std::string close_reason;
  std::vector<channel::close_handler> close_handlers;

  // --- connect ------------------------------------------------------------
  using connect_done = std::function<void(failure_kind, const std::string& error)>;

  void start_connect(std::chrono::milliseconds timeout, connect_done done);

  // --- reading -------------------------------------------------------------
  void ack_at_once();  // TCP_QUICKACK: see channel_io.cpp
  void read_next();

  void dispatch(const std::string& text);

  // --- commands ------------------------------------------------------------
  // io thread only.
  void submit(const std::string& method, const json& params, const std::string& session_id,
              std::chrono::milliseconds timeout, pending_table::completion done);

  void write_next();

  // One timer for all deadlines, armed at the earliest one.
  void arm(clock::time_point deadline);

  // --- ending --------------------------------------------------------------
  std::string current_close_reason();

  // io thread only. Idempotent.
  void end(const std::string& reason, bool by_user);
};

}  // namespace camoufleet::browser::detail
