#include "browser/cdp/connection.hpp"

#include <atomic>
#include <deque>
#include <future>
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

#include "browser/cdp/protocol.hpp"

namespace camoufleet::browser::cdp {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

namespace {
// Screenshots and long response bodies arrive as one frame.
constexpr std::size_t max_message_bytes = 64u * 1024u * 1024u;
// close() waits this long for the io thread to take the connection down.
constexpr auto close_wait = std::chrono::seconds(2);

template <class F>
void guarded(const char* what, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::error("cdp connection: {} threw: {}", what, e.what());
  } catch (...) {
    spdlog::error("cdp connection: {} threw", what);
  }
}
}  // namespace

namespace detail {

struct subscription_entry {
  std::string method;
  connection::event_handler handler;
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

struct connection_impl : std::enable_shared_from_this<connection_impl> {
  using clock = pending_table::clock;

  connection_impl(io_thread& thread, ws_url_parts where, wire_codec wire)
      : io(thread), resolver(io.context()), ws(io.context()), timer(io.context()), parts(std::move(where)),
        codec(wire) {}

  io_thread& io;
  tcp::resolver resolver;
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  net::steady_timer timer;
  ws_url_parts parts;
  wire_codec codec;

  // io thread only
  pending_table pending;
  std::deque<std::string> write_queue;
  std::optional<clock::time_point> armed;
  bool ended = false;

  std::atomic<bool> open{false};

  std::mutex subs_m;
  std::vector<std::shared_ptr<subscription_entry>> subs;

  std::mutex close_m;
  bool close_done = false;  // end() ran: handlers registered later are called at once
  std::string close_reason;
  std::vector<connection::close_handler> close_handlers;

  // --- connect ------------------------------------------------------------
  using connect_done = std::function<void(failure_kind, const std::string& error)>;

  void start_connect(std::chrono::milliseconds timeout, connect_done done) {
    auto self = shared_from_this();
    resolver.async_resolve(parts.host, parts.port,
        [self, timeout, done](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec) return done(failure_kind::browser_gone, "resolve " + self->parts.host + ": " + ec.message());
          auto& lowest = beast::get_lowest_layer(self->ws);
          lowest.expires_after(timeout);
          lowest.async_connect(results, [self, done](beast::error_code ec2, const tcp::endpoint&) {
            if (ec2) return done(ec2 == beast::error::timeout ? failure_kind::timeout : failure_kind::browser_gone,
                                 "connect: " + ec2.message());
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

  // --- reading -------------------------------------------------------------
  void read_next() {
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
      std::string text = beast::buffers_to_string(self->buffer.data());
      self->buffer.consume(self->buffer.size());
      // One screenshot must not pin tens of MiB for the connection's life.
      if (self->buffer.capacity() > 1024 * 1024) self->buffer.shrink_to_fit();
      self->dispatch(text);
      self->read_next();
    });
  }

  void dispatch(const std::string& text) {
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
        spdlog::warn("cdp connection: ignoring a frame ({})", msg.invalid_reason);
        break;
    }
  }

  // --- commands ------------------------------------------------------------
  // io thread only.
  void submit(const std::string& method, const json& params, const std::string& session_id,
              std::chrono::milliseconds timeout, pending_table::completion done) {
    if (ended) {
      command_outcome out;
      out.kind = failure_kind::browser_gone;
      out.message = method + ": " + current_close_reason();
      guarded("command completion", [&] { done(std::move(out)); });
      return;
    }
    auto deadline = clock::now() + timeout;
    auto safe_done = [done = std::move(done)](command_outcome&& out) {
      guarded("command completion", [&] { done(std::move(out)); });
    };
    std::int64_t id = pending.add(method, deadline, std::move(safe_done));
    write_queue.push_back(codec.encode(id, method, params, session_id));
    if (write_queue.size() == 1) write_next();
    arm(deadline);
  }

  void write_next() {
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

  // One timer for all deadlines, armed at the earliest one.
  void arm(clock::time_point deadline) {
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

  // --- ending --------------------------------------------------------------
  std::string current_close_reason() {
    std::lock_guard<std::mutex> lock(close_m);
    return close_reason.empty() ? "connection closed" : close_reason;
  }

  // io thread only. Idempotent.
  void end(const std::string& reason, bool by_user) {
    if (ended) return;
    ended = true;
    open = false;
    std::vector<connection::close_handler> to_call;
    {
      std::lock_guard<std::mutex> lock(close_m);
      close_done = true;
      close_reason = reason;
      if (!by_user) to_call.swap(close_handlers);
      close_handlers.clear();
    }
    if (!by_user) spdlog::warn("cdp connection {}:{}: {}", parts.host, parts.port, reason);
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
};

}  // namespace detail

// --- subscription ------------------------------------------------------------

subscription::subscription(std::weak_ptr<detail::connection_impl> owner,
                           std::shared_ptr<detail::subscription_entry> entry)
    : owner_(std::move(owner)), entry_(std::move(entry)) {}

subscription::subscription(subscription&& other) noexcept
    : owner_(std::move(other.owner_)), entry_(std::move(other.entry_)) {}

subscription& subscription::operator=(subscription&& other) noexcept {
  if (this != &other) {
    reset();
    owner_ = std::move(other.owner_);
    entry_ = std::move(other.entry_);
  }
  return *this;
}

subscription::~subscription() { reset(); }

void subscription::reset() {
  if (!entry_) return;
  auto entry = std::move(entry_);
  entry_.reset();
  entry->cancel();
  if (auto owner = owner_.lock()) {
    std::lock_guard<std::mutex> lock(owner->subs_m);
    auto& v = owner->subs;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (*it == entry) {
        v.erase(it);
        break;
      }
    }
  }
  owner_.reset();
}

// --- connection ---------------------------------------------------------------

connection::connection(std::shared_ptr<detail::connection_impl> impl, std::string url)
    : impl_(std::move(impl)), url_(std::move(url)) {}

connection::~connection() { close(); }

std::shared_ptr<connection> connection::connect(io_thread& io, const std::string& ws_url,
                                                std::chrono::milliseconds timeout, wire_codec codec) {
  if (io.in_this_thread()) throw std::logic_error("cdp::connection::connect called on the io thread");
  auto impl = std::make_shared<detail::connection_impl>(io, parse_ws_url(ws_url), codec);

  struct result {
    failure_kind kind = failure_kind::site_error;
    std::string error;
  };
  auto promise = std::make_shared<std::promise<result>>();
  auto future = promise->get_future();
  net::post(io.context(), [impl, timeout, promise] {
    impl->start_connect(timeout, [promise](failure_kind kind, const std::string& error) {
      promise->set_value(result{kind, error});
    });
  });

  // The socket has its own deadline; this one also covers a stuck resolve or
  // a stopped io thread.
  if (future.wait_for(timeout + std::chrono::milliseconds(500)) != std::future_status::ready) {
    net::post(io.context(), [impl] { impl->end("connect timed out", true); });
    throw driver_error(failure_kind::timeout, "connect to " + ws_url + ": timed out");
  }
  result r = future.get();
  if (!r.error.empty()) {
    net::post(io.context(), [impl] { impl->end("connect failed", true); });
    throw driver_error(r.kind, "connect to " + ws_url + ": " + r.error);
  }
  return std::shared_ptr<connection>(new connection(impl, ws_url));
}

json connection::call(const std::string& method, json params, const std::string& session_id,
                      std::chrono::milliseconds timeout) {
  if (impl_->io.in_this_thread()) {
    throw std::logic_error("cdp::connection::call(" + method + ") on the io thread would deadlock");
  }
  if (impl_->io.context().stopped()) {
    throw driver_error(failure_kind::browser_gone, method + ": the cdp io thread is stopped");
  }
  auto promise = std::make_shared<std::promise<command_outcome>>();
  auto future = promise->get_future();
  auto impl = impl_;
  net::post(impl->io.context(), [impl, method, params = std::move(params), session_id, timeout, promise] {
    impl->submit(method, params, session_id, timeout,
                 [promise](command_outcome&& out) { promise->set_value(std::move(out)); });
  });
  // The io thread enforces the deadline; the margin only guards against it
  // being stopped or stuck.
  if (future.wait_for(timeout + std::chrono::seconds(2)) != std::future_status::ready) {
    throw driver_error(failure_kind::timeout, method + ": no reply in time (io thread unresponsive)");
  }
  command_outcome out = future.get();
  if (!out.ok) throw to_driver_error(out);
  return std::move(out.result);
}

void connection::call_async(const std::string& method, json params, const std::string& session_id,
                            std::chrono::milliseconds timeout, call_callback done) {
  auto impl = impl_;
  net::post(impl->io.context(),
            [impl, method, params = std::move(params), session_id, timeout, done = std::move(done)]() mutable {
              impl->submit(method, params, session_id, timeout, [done = std::move(done)](command_outcome&& out) {
                if (!done) return;
                if (out.ok) {
                  done(&out.result, std::string());
                } else {
                  done(nullptr, out.message);
                }
              });
            });
}

subscription connection::subscribe(const std::string& method, event_handler handler) {
  auto entry = std::make_shared<detail::subscription_entry>();
  entry->method = method;
  entry->handler = std::move(handler);
  {
    std::lock_guard<std::mutex> lock(impl_->subs_m);
    impl_->subs.push_back(entry);
  }
  return subscription(impl_, entry);
}

void connection::on_close(close_handler handler) {
  if (!handler) return;
  std::string reason;
  {
    std::lock_guard<std::mutex> lock(impl_->close_m);
    if (!impl_->close_done) {
      impl_->close_handlers.push_back(std::move(handler));
      return;
    }
    reason = impl_->close_reason;
  }
  net::post(impl_->io.context(), [handler = std::move(handler), reason] {
    guarded("close handler", [&] { handler(reason); });
  });
}

void connection::close() {
  auto impl = impl_;
  if (impl->io.in_this_thread()) {
    impl->end("connection closed", true);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(impl->close_m);
    if (impl->close_done) return;
  }
  if (impl->io.context().stopped()) return;  // nothing runs its handlers any more
  auto promise = std::make_shared<std::promise<void>>();
  auto future = promise->get_future();
  net::post(impl->io.context(), [impl, promise] {
    impl->end("connection closed", true);
    promise->set_value();
  });
  if (future.wait_for(close_wait) != std::future_status::ready) {
    spdlog::warn("cdp connection {}: close did not complete in time", url_);
  }
}

bool connection::is_open() const { return impl_->open.load(); }

}  // namespace camoufleet::browser::cdp
