// The channel's socket side on the io thread: connect, the read loop and
// dispatch of replies and events, the write queue, one timer for all
// deadlines, and the end (every pending command fails, handlers are told).
#include "browser/channel_impl.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace camoufleet::browser::detail {

void channel_impl::start_connect(std::chrono::milliseconds timeout, connect_done done) {
  auto self = shared_from_this();
  resolver.async_resolve(parts.host, parts.port,
      [self, timeout, done](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec) return done(failure_kind::browser_gone, "resolve " + self->parts.host + ": " + ec.message());
        auto& lowest = beast::get_lowest_layer(self->ws);
        lowest.expires_after(timeout);
        lowest.async_connect(results, [self, done](beast::error_code ec2, const tcp::endpoint&) {
          if (ec2) return done(ec2 == beast::error::timeout ? failure_kind::timeout : failure_kind::browser_gone,
                               "connect: " + ec2.message());
          // A client frame larger than Beast's write buffer (4 KiB; every
          // page script is bigger) goes out in several writes: with Nagle on,
          // the second waited for the browser's delayed ACK, ~40 ms per call.
          beast::error_code ignored;
          beast::get_lowest_layer(self->ws).socket().set_option(tcp::no_delay(true), ignored);
          self->ack_at_once();
          self->ws.async_handshake(self->parts.host + ":" + self->parts.port, self->parts.target,
              [self, done](beast::error_code ec3) {
                if (ec3) return done(ec3 == beast::error::timeout ? failure_kind::timeout : failure_kind::browser_gone,
                                     "websocket handshake: " + ec3.message());
                beast::get_lowest_layer(self->ws).expires_never();
                // No idle timeout: a dead browser is noticed by its process
                // watcher or a failed read, a quiet one is fine.
                websocket::stream_base::timeout opt{std::chrono::seconds(5), websocket::stream_base::none(), false};
                self->ws.set_option(opt);
                self->ws.read_message_max(max_message_bytes);
                self->ws.text(true);
                self->open = true;
                done(failure_kind::site_error, "");
                self->read_next();
              });
        });
      });
}

// The browser's side may keep Nagle on (Firefox's Remote Agent does): a
// small frame it writes right after another (an event after a reply) then
// waits until we ACK the first, and Linux delays that ACK by ~40 ms when we
// have nothing to send. TCP_QUICKACK asks for immediate ACKs; the kernel
// drops back to delayed ACKs on its own, so it is set again after each read.
void channel_impl::ack_at_once() {
#ifdef TCP_QUICKACK
  const int one = 1;
  ::setsockopt(beast::get_lowest_layer(ws).socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#endif
}

void channel_impl::read_next() {
  if (ended) return;
  auto self = shared_from_this();
  ws.async_read(buffer, [self](beast::error_code ec, std::size_t) {
    if (self->ended) return;
    if (ec) {
      std::string reason = ec == websocket::error::closed ? "the browser closed the connection"
                                                            : "connection lost: " + ec.message();
      self->end(reason, false);
      return;
    }
    self->ack_at_once();
    std::string text = beast::buffers_to_string(self->buffer.data());
    self->buffer.consume(self->buffer.size());
    // One screenshot must not pin tens of MiB for the connection's life.
    if (self->buffer.capacity() > 1024 * 1024) self->buffer.shrink_to_fit();
    self->dispatch(text);
    self->read_next();
  });
}

void channel_impl::dispatch(const std::string& text) {
  incoming_message msg = codec.decode(text);
  switch (msg.type) {
    case incoming_message::kind::reply:
      pending.complete(msg);  // an unknown id: it already timed out
      break;
    case incoming_message::kind::event: {
      std::vector<std::shared_ptr<subscription_entry>> targets;
      {
        std::lock_guard<std::mutex> lock(subs_m);
        for (auto& s : subs) {
          if (s->method.empty() || s->method == msg.method) targets.push_back(s);
        }
      }
      for (auto& s : targets) {
        if (ended) break;
        s->invoke(msg.params, msg.session_id);
      }
      break;
    }
    case incoming_message::kind::invalid:
      spdlog::warn("channel: ignoring a frame ({})", msg.invalid_reason);
      break;
  }
}

void channel_impl::submit(const std::string& method, const json& params, const std::string& session_id,
            std::chrono::milliseconds timeout, pending_table::completion done) {
  const auto dead = session_id.empty() ? dead_sessions.end() : dead_sessions.find(session_id);
  if (ended || dead != dead_sessions.end()) {
    command_outcome out;
    out.kind = failure_kind::browser_gone;
    out.message = method + ": " + (ended ? current_close_reason() : dead->second);
    guarded("command completion", [&] { done(std::move(out)); });
    return;
  }
  auto deadline = clock::now() + timeout;
  auto safe_done = [done = std::move(done)](command_outcome&& out) {
    guarded("command completion", [&] { done(std::move(out)); });
  };
  std::int64_t id = pending.add(method, deadline, std::move(safe_done), session_id);
  write_queue.push_back(codec.encode(id, method, params, session_id));
  if (write_queue.size() == 1) write_next();
  arm(deadline);
}

void channel_impl::write_next() {
  auto self = shared_from_this();
  ws.async_write(net::buffer(write_queue.front()), [self](beast::error_code ec, std::size_t) {
    if (self->ended) return;
    if (ec) {
      self->end("connection lost while sending: " + ec.message(), false);
      return;
    }
    self->write_queue.pop_front();
    if (!self->write_queue.empty()) self->write_next();
  });
}

void channel_impl::arm(clock::time_point deadline) {
  if (armed && *armed <= deadline) return;
  armed = deadline;
  timer.expires_at(deadline);
  auto self = shared_from_this();
  timer.async_wait([self](beast::error_code ec) {
    if (ec == net::error::operation_aborted || self->ended) return;
    self->armed.reset();
    self->pending.expire(clock::now());
    if (auto next = self->pending.next_deadline()) self->arm(*next);
  });
}

std::string channel_impl::current_close_reason() {
  std::lock_guard<std::mutex> lock(close_m);
  return close_reason.empty() ? "connection closed" : close_reason;
}

void channel_impl::end(const std::string& reason, bool by_user) {
  if (ended) return;
  ended = true;
  open = false;
  std::vector<channel::close_handler> to_call;
  {
    std::lock_guard<std::mutex> lock(close_m);
    close_done = true;
    close_reason = reason;
    if (!by_user) to_call.swap(close_handlers);
    close_handlers.clear();
  }
  if (!by_user) spdlog::warn("channel {}:{}: {}", parts.host, parts.port, reason);
  beast::error_code ignored;
  timer.cancel(ignored);
  resolver.cancel();
  pending.fail_all(reason);
  {
    std::lock_guard<std::mutex> lock(subs_m);
    subs.clear();
  }
  auto& sock = beast::get_lowest_layer(ws).socket();
  if (by_user && ws.is_open()) {
    // A polite close frame; the socket goes when it is answered or times out.
    auto self = shared_from_this();
    ws.async_close(websocket::close_code::normal, [self](beast::error_code) {
      beast::error_code ignored2;
      beast::get_lowest_layer(self->ws).socket().close(ignored2);
    });
  } else {
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
  }
  for (auto& h : to_call) guarded("close handler", [&] { h(reason); });
}

}  // namespace camoufleet::browser::detail
