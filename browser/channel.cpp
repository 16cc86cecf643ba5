// The channel's public side, safe from any thread: connect, blocking and
// async calls with deadlines, subscriptions, the close handler, close.
#include "browser/channel.hpp"

#include <future>

#include "browser/channel_impl.hpp"

namespace camoufleet::browser {

using detail::guarded;
using detail::close_wait;
namespace net = boost::asio;
using nlohmann::json;

// --- subscription ------------------------------------------------------------

subscription::subscription(std::weak_ptr<detail::channel_impl> owner,
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

// --- channel ---------------------------------------------------------------

channel::channel(std::shared_ptr<detail::channel_impl> impl, std::string url)
    : impl_(std::move(impl)), url_(std::move(url)) {}

channel::~channel() { close(); }

std::shared_ptr<channel> channel::connect(io_thread& io, const std::string& ws_url,
                                          std::chrono::milliseconds timeout, framing wire) {
  return std::shared_ptr<channel>(new channel(open(io, ws_url, timeout, wire), ws_url));
}

std::shared_ptr<detail::channel_impl> channel::open(io_thread& io, const std::string& ws_url,
                                                    std::chrono::milliseconds timeout, framing wire) {
  if (io.in_this_thread()) throw std::logic_error("browser::channel::connect called on the io thread");
  auto impl = std::make_shared<detail::channel_impl>(io, parse_ws_url(ws_url), wire);

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
  return impl;
}

json channel::call(const std::string& method, json params, const std::string& session_id,
                      std::chrono::milliseconds timeout) {
  if (impl_->io.in_this_thread()) {
    throw std::logic_error("browser::channel::call(" + method + ") on the io thread would deadlock");
  }
  if (impl_->io.context().stopped()) {
    throw driver_error(failure_kind::browser_gone, method + ": the io thread is stopped");
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

void channel::call_async(const std::string& method, json params, const std::string& session_id,
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

subscription channel::subscribe(const std::string& method, event_handler handler) {
  auto entry = std::make_shared<detail::subscription_entry>();
  entry->method = method;
  entry->handler = std::move(handler);
  {
    std::lock_guard<std::mutex> lock(impl_->subs_m);
    impl_->subs.push_back(entry);
  }
  return subscription(impl_, entry);
}

void channel::on_close(close_handler handler) {
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

void channel::close() {
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
    spdlog::warn("channel {}: close did not complete in time", url_);
  }
}

bool channel::is_open() const { return impl_->open.load(); }

void channel::fail_session(const std::string& session_id, const std::string& reason) {
  if (session_id.empty()) return;  // the browser itself: that is close()
  auto impl = impl_;
  auto fail = [impl, session_id, reason] {
    impl->dead_sessions.emplace(session_id, reason);
    impl->pending.fail_session(session_id, reason);
  };
  // From an event handler (the io thread): at once, before the next frame
  // is read, so a reply the browser sends right after the event that told
  // of the loss (Firefox's "no such frame") cannot win the race.
  if (impl->io.in_this_thread()) return fail();
  net::post(impl->io.context(), std::move(fail));
}

}  // namespace camoufleet::browser
