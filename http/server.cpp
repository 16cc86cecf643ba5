#include "http/server.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <map>
#include <optional>
#include <random>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <spdlog/spdlog.h>

#include "actors/observed_gateway.hpp"
#include "http/auth.hpp"
#include "http/body_guard.hpp"
#include "http/chat_request.hpp"
#include "http/completion_stream.hpp"
#include "http/dashboard.hpp"
#include "http/errors.hpp"
#include "http/metrics.hpp"
#include "http/routes.hpp"
#include "http/sse.hpp"
#include "http/views.hpp"

namespace camoufleet::http {

namespace {

namespace ph = Pistache::Http;
using steady = std::chrono::steady_clock;
using header_list = std::vector<std::pair<std::string, std::string>>;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One reply that is not written yet. Touched by the reactor thread (creation),
// gateway callback threads (events) and the ticker, always under mu.
struct pending {
  std::mutex mu;
  bool completion = false;
  std::string id;  // request id (completions) — also what cancel() is given
  std::optional<ph::ResponseWriter> writer;
  std::weak_ptr<Pistache::Tcp::Peer> peer;
  steady::time_point received;
  steady::time_point deadline;
  steady::time_point last_write;
  bool done = false;
  bool stream = false;
  bool head_sent = false;
  int status = 0;  // what the client was told (200 once a stream started)
  std::string instance_id;
  completion_meta meta;
  std::optional<completion_stream> body;
  std::string route;       // label for camoufleet_http_requests_total ("" = not counted)
  bool events = false;     // a /v1/events subscriber (the dashboard)
  std::string last_state;  // events: the last state sent to it
};

// Pistache 0.0.5 writes only typed headers (addRaw ones stay unsent), so
// names known only at run time need a header type of their own.
class named_header : public ph::Header::Header {
 public:
  named_header(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override {
    // A CR or LF would split the header block (response splitting).
    for (char c : value_)
      if (c != '\r' && c != '\n') os << c;
  }
#ifdef SAFE_HEADER_CAST
  uint64_t hash() const override { return std::hash<std::string>{}(name_); }
#endif

 private:
  std::string name_;
  std::string value_;
};

// Counts writes handed to Pistache and not yet on the wire, so shutdown can
// let the last answers leave before the reactors stop.
using write_counter = std::shared_ptr<std::atomic<int>>;

void track_write(const write_counter& counter, Pistache::Async::Promise<ssize_t> promise) {
  counter->fetch_add(1);
  promise.then([counter](ssize_t) { counter->fetch_sub(1); },
               [counter](std::exception_ptr) { counter->fetch_sub(1); });
}

}  // namespace

// ---------------------------------------------------------------------------

class server::impl : public std::enable_shared_from_this<server::impl> {
 public:
  impl(const server_options& options, gateway& gw)
      : options_(options), observed_(gw, stats_), gw_(observed_), auth_(options.api_keys) {}

  ~impl() { stop(); }

  void start();
  int port() const { return port_; }
  bool drain(std::chrono::milliseconds grace);
  void stop();
  std::size_t in_flight() const {
    std::lock_guard<std::mutex> lock(map_mu_);
    return pending_.size();
  }

  void on_request(const ph::Request& req, ph::ResponseWriter response);
  const body_limit& limit() const { return limit_; }
  std::string too_large_body(std::size_t declared) const;

 private:
  using pending_ptr = std::shared_ptr<pending>;

  void handle_chat(const ph::Request& req, ph::ResponseWriter response);
  // target_id: the request id (cancel) or the model id (model).
  void handle_admin(endpoint target, const std::string& target_id, ph::ResponseWriter response);
  void on_event(const pending_ptr& p, const request_event& ev);
  // /v1/events, the dashboard's live state: start a subscriber, push to the
  // subscribers (from the ticker), end them all (drain).
  void start_events(ph::ResponseWriter response);
  void push_events(const std::vector<pending_ptr>& subscribers);
  void end_events();
  std::map<std::string, std::int64_t> browser_memory(const fleet_view& v);

  // Under p.mu: the write helpers.
  // content_type: nullptr = application/json.
  void reply_json(pending& p, int status, const std::string& body, const header_list& headers,
                  const char* content_type = nullptr);
  void reply_error(pending& p, const error_reply& e);
  void write_stream(pending& p, std::string sse_text, bool last);
  void start_stream(pending& p);
  void finish(pending& p);
  header_list completion_headers(const pending& p) const;

  void track(const pending_ptr& p);
  void untrack(const pending_ptr& p);
  void tick();
  void ticker_loop();

  server_options options_;
  // Every request passes through observed_, which counts it into stats_.
  fleet_stats stats_;
  observed_gateway observed_;
  gateway& gw_;
  api_key_check auth_;
  body_limit limit_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
  int port_ = 0;
  std::atomic<bool> closing_{false};
  bool started_ = false;
  // Writers hold it shared while handing bytes to Pistache; stop() takes it
  // exclusively to close the door before the transport goes away, so a late
  // gateway callback can never write into a destroyed endpoint.
  std::shared_mutex io_mu_;
  bool writable_ = false;
  write_counter writes_ = std::make_shared<std::atomic<int>>(0);

  mutable std::mutex map_mu_;
  std::unordered_map<pending*, pending_ptr> pending_;

  std::mutex ticker_mu_;
  std::condition_variable ticker_cv_;
  bool ticker_stop_ = false;
  std::thread ticker_;

  // /v1/events pushes: at most one fleet query in flight, one per interval.
  std::atomic<bool> events_asking_{false};
  std::atomic<bool> events_now_{false};
  steady::time_point events_last_{};
  // Browser memory is read from /proc at most every 2 s.
  std::mutex memory_mu_;
  steady::time_point memory_at_{};
  std::map<std::string, std::int64_t> memory_;
};

namespace {

class handler : public ph::Handler {
 public:
  HTTP_PROTOTYPE(handler)
  explicit handler(server::impl* owner) : owner_(owner) {}
  void onRequest(const ph::Request& req, ph::ResponseWriter response) override;

 private:
  // Oversized bodies are answered before Pistache buffers them (body_guard.hpp).
  void onInput(const char* buffer, size_t len,
               const std::shared_ptr<Pistache::Tcp::Peer>& peer) override {
    guarded_input(*this, owner_->limit(), buffer, len, peer,
                  [this](std::size_t declared) { return owner_->too_large_body(declared); });
  }

  server::impl* owner_;
};

}  // namespace

void handler::onRequest(const ph::Request& req, ph::ResponseWriter response) {
  owner_->on_request(req, std::move(response));
}

std::string server::impl::too_large_body(std::size_t declared) const {
  const std::string size =
      declared > 0 ? "is " + std::to_string(declared) + " bytes" : "is larger than that";
  return error_body(map_failure(http_failure::too_large,
                                "The request body " + size + "; the limit is " +
                                    std::to_string(options_.max_request_bytes) + " bytes."));
}

// ---------------------------------------------------------------------------

void server::impl::start() {
  if (started_) return;
  Pistache::Address addr(options_.host, Pistache::Port(static_cast<std::uint16_t>(options_.port)));
  endpoint_ = std::make_unique<Pistache::Http::Endpoint>(addr);
  limit_.max_body = options_.max_request_bytes;
  // Room for the headers on top of the largest body we accept, so the body
  // limit is ours (OpenAI-shaped 413) rather than Pistache's plain one.
  const auto read_timeout =
      std::max(options_.read_timeout, options_.request_timeout + std::chrono::seconds(10));
  auto opts = Pistache::Http::Endpoint::options()
                  .threads(options_.threads > 0 ? options_.threads : 1)
                  // NoDelay: SSE sends many small writes; with Nagle on, a
                  // chunk waited for the client's delayed ACK (~40 ms).
                  .flags(Pistache::Tcp::Options::ReuseAddr | Pistache::Tcp::Options::NoDelay)
                  // Above body_guard's own limit, which answers first.
                  .maxRequestSize(options_.max_request_bytes + 2 * limit_.header_slack)
                  .headerTimeout(read_timeout)
                  .bodyTimeout(read_timeout);
  endpoint_->init(opts);
  endpoint_->setHandler(std::make_shared<handler>(this));
  try {
    endpoint_->serveThreaded();
  } catch (const std::exception& e) {
    endpoint_.reset();
    throw std::runtime_error(std::string("http: cannot serve on ") + options_.host + ":" +
                             std::to_string(options_.port) + ": " + e.what());
  }
  port_ = static_cast<int>(static_cast<std::uint16_t>(endpoint_->getPort()));
  started_ = true;
  {
    std::unique_lock<std::shared_mutex> io(io_mu_);
    writable_ = true;
  }
  spdlog::info("http: serving on {}:{} ({} threads, API keys {})", options_.host, port_,
               options_.threads, auth_.enabled() ? "required" : "not required");
  ticker_ = std::thread([this] { ticker_loop(); });
}

bool server::impl::drain(std::chrono::milliseconds grace) {
  closing_ = true;
  end_events();  // dashboards would otherwise hold the drain for its whole grace
  const auto deadline = steady::now() + grace;
  for (;;) {
    if (in_flight() == 0) return true;
    if (steady::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void server::impl::stop() {
  if (!started_) return;
  closing_ = true;
  spdlog::info("http: shutting down with {} replies in flight", in_flight());
  // Answer everything still open while the reactor can still write it.
  std::vector<pending_ptr> open;
  {
    std::lock_guard<std::mutex> lock(map_mu_);
    for (auto& [key, p] : pending_) open.push_back(p);
  }
  std::vector<std::string> to_cancel;
  for (auto& p : open) {
    std::lock_guard<std::mutex> lock(p->mu);
    if (p->done) continue;
    if (p->completion) to_cancel.push_back(p->id);
    reply_error(*p, map_error(error_code::shutting_down, {}));
  }
  for (const auto& id : to_cancel) gw_.cancel(id, [](bool) {});
  {
    std::lock_guard<std::mutex> lock(ticker_mu_);
    ticker_stop_ = true;
  }
  ticker_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  {
    std::unique_lock<std::shared_mutex> io(io_mu_);
    writable_ = false;
  }
  // Let the answers written above reach their sockets (bounded: a client
  // that does not read must not hold the shutdown).
  const auto flush_deadline = steady::now() + std::chrono::seconds(2);
  while (writes_->load() > 0 && steady::now() < flush_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  {
    std::lock_guard<std::mutex> lock(map_mu_);
    pending_.clear();
  }
  endpoint_->shutdown();
  endpoint_.reset();
  started_ = false;
}

// ---------------------------------------------------------------------------

void server::impl::on_request(const ph::Request& req, ph::ResponseWriter response) {
  // Nothing may escape into Pistache's reactor.
  try {
    const std::string path = req.resource();
    const auto route = match_route(ph::methodString(req.method()), path);
    if (!auth_exempt(path) && auth_.enabled()) {
      const auto authorization = req.headers().tryGetRaw("Authorization");
      if (!auth_.allows(authorization ? authorization->value() : std::string())) {
        auto p = std::make_shared<pending>();
        p->route = route_label(route.target);
        p->writer.emplace(std::move(response));
        std::lock_guard<std::mutex> lock(p->mu);
        reply_error(*p, map_failure(http_failure::unauthorized,
                                    authorization ? "Incorrect API key provided."
                                                  : "Missing API key: send "
                                                    "'Authorization: Bearer <key>'."));
        return;
      }
    }
    switch (route.target) {
      case endpoint::chat_completions:
        handle_chat(req, std::move(response));
        return;
      case endpoint::events:
        start_events(std::move(response));
        return;
      case endpoint::not_found:
      case endpoint::method_not_allowed: {
        auto p = std::make_shared<pending>();
        p->route = route_label(route.target);
        p->writer.emplace(std::move(response));
        std::lock_guard<std::mutex> lock(p->mu);
        if (route.target == endpoint::not_found) {
          reply_error(*p, map_failure(http_failure::route_not_found,
                                      "Unknown request URL: " + std::string(ph::methodString(
                                                                    req.method())) +
                                          " " + path + "."));
        } else {
          auto e = map_failure(http_failure::method_not_allowed,
                               "Method " + std::string(ph::methodString(req.method())) +
                                   " is not allowed for " + path + ".");
          e.headers.emplace_back("Allow", route.allow);
          reply_error(*p, e);
        }
        return;
      }
      default:
        handle_admin(route.target,
                     route.target == endpoint::model  ? route.model_id
                     : !route.instance_id.empty()     ? route.instance_id
                     : !route.asset.empty()           ? route.asset
                                                      : route.request_id,
                     std::move(response));
        return;
    }
  } catch (const std::exception&) {
    // The writer may already be gone; Pistache answers nothing then and the
    // client sees the connection close.
  }
}

void server::impl::handle_chat(const ph::Request& req, ph::ResponseWriter response) {
  auto p = std::make_shared<pending>();
  p->completion = true;
  p->route = route_label(endpoint::chat_completions);
  p->id = new_request_id();
  p->peer = response.getPeer();
  p->writer.emplace(std::move(response));
  p->received = steady::now();
  p->last_write = p->received;
  p->deadline = p->received + options_.request_timeout;

  const std::string& body = req.body();
  if (body.size() > options_.max_request_bytes) {
    std::lock_guard<std::mutex> lock(p->mu);
    reply_error(*p, map_failure(http_failure::too_large,
                                "The request body is " + std::to_string(body.size()) +
                                    " bytes; the limit is " +
                                    std::to_string(options_.max_request_bytes) + " bytes."));
    return;
  }
  auto parsed = parse_chat_request(body);
  if (!parsed.ok) {
    std::lock_guard<std::mutex> lock(p->mu);
    reply_error(*p, bad_request(parsed.error.message, parsed.error.param));
    return;
  }
  if (closing_) {
    std::lock_guard<std::mutex> lock(p->mu);
    reply_error(*p, map_error(error_code::shutting_down, {}));
    return;
  }

  completion_request request = std::move(parsed.request);
  request.id = p->id;
  request.received_ms = unix_ms_now();
  p->stream = request.stream;
  p->meta.id = p->id;
  p->meta.created = request.received_ms / 1000;
  p->meta.model =
      request.params.model.empty() ? options_.default_model : request.params.model;
  if (p->stream) p->body.emplace(p->meta, parsed.include_usage);

  track(p);
  std::weak_ptr<impl> self = shared_from_this();
  try {
    gw_.submit(std::move(request), [self, p](const request_event& ev) {
      if (auto s = self.lock()) s->on_event(p, ev);
    });
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(p->mu);
      if (!p->done) reply_error(*p, map_failure(http_failure::internal, e.what()));
    }
    untrack(p);
  }
}

void server::impl::handle_admin(endpoint target, const std::string& target_id,
                                 ph::ResponseWriter response) {
  auto p = std::make_shared<pending>();
  p->id = target_id;
  p->route = route_label(target);
  p->peer = response.getPeer();
  p->writer.emplace(std::move(response));
  p->received = steady::now();
  p->deadline = p->received + options_.admin_timeout;
  track(p);

  std::weak_ptr<impl> self = shared_from_this();
  // Each callback answers once; the ticker answers 504 if it never comes.
  auto answer = [self, p](int status, const std::string& body) {
    auto s = self.lock();
    if (!s) return;
    {
      std::lock_guard<std::mutex> lock(p->mu);
      if (p->done) return;
      s->reply_json(*p, status, body, {});
    }
    s->untrack(p);
  };
  // The same, for bodies that are not JSON.
  auto answer_as = [self, p](int status, const std::string& body, const char* content_type) {
    auto s = self.lock();
    if (!s) return;
    {
      std::lock_guard<std::mutex> lock(p->mu);
      if (p->done) return;
      s->reply_json(*p, status, body, {}, content_type);
    }
    s->untrack(p);
  };
  // The same, for an error (with its Retry-After and other headers).
  auto answer_error = [self, p](const error_reply& e) {
    auto s = self.lock();
    if (!s) return;
    {
      std::lock_guard<std::mutex> lock(p->mu);
      if (p->done) return;
      s->reply_error(*p, e);
    }
    s->untrack(p);
  };
  // Dashboard actions: 200 {"id", ...what changed}, or 404 for an unknown id.
  auto answer_action = [answer, target_id](const char* field, bool value) {
    return [answer, target_id, field, value](bool found) {
      if (found) {
        answer(200, R"({"id":")" + target_id + R"(",")" + field + R"(":)" +
                        (value ? "true" : "false") + "}");
        return;
      }
      answer(404, error_body(map_failure(http_failure::route_not_found,
                                         "No instance with id '" + target_id + "'.",
                                         "instance_id")));
    };
  };
  const bool multi = options_.multi_instance_mode;
  try {
    switch (target) {
      case endpoint::health:
        gw_.fleet([answer, multi](const fleet_view& v) {
          auto h = health_json(v, multi);
          answer(h.status, h.body);
        });
        break;
      case endpoint::instances:
        gw_.fleet([answer, answer_error](const fleet_view& v) {
          if (!v.unanswered.empty())
            return answer_error(map_failure(http_failure::fleet_unresponsive, v.unanswered));
          answer(200, instances_json(v));
        });
        break;
      case endpoint::metrics:
        gw_.fleet([self, answer_as](const fleet_view& v) {
          auto s = self.lock();
          if (!s) return;
          const auto now = unix_ms_now();
          answer_as(200, metrics_text(v, s->stats_.snapshot(now), s->browser_memory(v), now),
                    metrics_content_type);
        });
        break;
      case endpoint::dashboard:
      case endpoint::dashboard_asset: {
        const auto* a =
            dashboard_files.find(target == endpoint::dashboard ? "index.html" : target_id);
        if (a == nullptr) {
          answer(404, error_body(map_failure(http_failure::route_not_found,
                                             "No dashboard file '" + target_id + "'.")));
        } else {
          answer_as(200, std::string(a->text()), core::content_type_for(a->name));
        }
        break;
      }
      case endpoint::instance_restart:
        gw_.restart(target_id, answer_action("restarting", true));
        break;
      case endpoint::instance_pause:
        gw_.set_rotation(target_id, false, answer_action("in_rotation", false));
        break;
      case endpoint::instance_resume:
        gw_.set_rotation(target_id, true, answer_action("in_rotation", true));
        break;
      case endpoint::instance_screenshot:
        gw_.screenshot(target_id, [answer_as, answer_error, target_id](const screenshot_reply& r) {
          if (r.status == screenshot_status::ok) {
            answer_as(200, r.png, "image/png");
            return;
          }
          answer_error(screenshot_error(r, target_id));
        });
        break;
      case endpoint::health_live:
        answer(200, live_json(auth_.enabled()));  // the process answers: nothing to ask
        break;
      case endpoint::health_ready:
        gw_.fleet([answer](const fleet_view& v) {
          auto r = ready_json(v);
          answer(r.status, r.body);
        });
        break;
      case endpoint::queue:
        gw_.fleet([answer, answer_error](const fleet_view& v) {
          if (!v.unanswered.empty())
            return answer_error(map_failure(http_failure::fleet_unresponsive, v.unanswered));
          answer(200, queue_json(v));
        });
        break;
      case endpoint::models: {
        const auto created = unix_ms_now() / 1000;
        gw_.models([answer, created](const std::vector<core::model_info>& m) {
          answer(200, models_json(m, created));
        });
        break;
      }
      case endpoint::model: {
        const auto created = unix_ms_now() / 1000;
        gw_.models([answer, created, target_id](const std::vector<core::model_info>& m) {
          auto body = model_json(m, target_id, created);
          if (!body.empty()) return answer(200, body);
          answer(404, error_body(map_error(error_code::unknown_model,
                                           "The model '" + target_id + "' does not exist.")));
        });
        break;
      }
      case endpoint::cancel:
        gw_.cancel(target_id, [answer, target_id](bool cancelled) {
          if (cancelled) {
            answer(200, R"({"id":")" + target_id + R"(","cancelled":true})");
          } else {
            const auto e = map_failure(http_failure::route_not_found,
                                       "No queued or running request with id '" +
                                           target_id + "'.",
                                       "request_id");
            answer(404, error_body(e));
          }
        });
        break;
      default: {
        std::lock_guard<std::mutex> lock(p->mu);
        reply_error(*p, map_failure(http_failure::internal, "Unhandled route."));
        break;
      }
    }
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(p->mu);
    if (!p->done) reply_error(*p, map_failure(http_failure::internal, e.what()));
  }
  {
    std::lock_guard<std::mutex> lock(p->mu);
    if (!p->done) return;
  }
  untrack(p);
}

// ---------------------------------------------------------------------------

void server::impl::on_event(const pending_ptr& p, const request_event& ev) {
  bool ended = false;
  {
    std::lock_guard<std::mutex> lock(p->mu);
    if (p->done) return;
    if (auto a = std::get_if<request_assigned>(&ev)) {
      p->instance_id = a->instance_id;
      if (p->stream && p->head_sent) write_stream(*p, sse_comment("instance " + a->instance_id), false);
    } else if (auto d = std::get_if<request_delta>(&ev)) {
      if (p->stream) {
        if (!p->head_sent) start_stream(*p);
        write_stream(*p, p->body->on_delta(*d), false);
      }
      // Non-stream replies are built from request_finished alone.
    } else if (auto f = std::get_if<request_finished>(&ev)) {
      if (!f->instance_id.empty()) p->instance_id = f->instance_id;
      if (p->stream) {
        if (!p->head_sent) start_stream(*p);
        write_stream(*p, p->body->on_finished(*f), true);
      } else {
        completion_meta meta = p->meta;
        if (!f->model.empty()) meta.model = f->model;
        reply_json(*p, 200, completion_json(meta, *f), completion_headers(*p));
      }
      ended = true;
    } else if (auto e = std::get_if<request_failed>(&ev)) {
      if (!e->instance_id.empty()) p->instance_id = e->instance_id;
      reply_error(*p, map_error(e->code, e->message, e->retry_after_s));
      ended = true;
    }
  }
  if (ended) untrack(p);
}

header_list server::impl::completion_headers(const pending& p) const {
  header_list h;
  h.emplace_back("X-Request-Id", p.id);
  if (!p.instance_id.empty()) h.emplace_back("X-Camoufleet-Instance", p.instance_id);
  return h;
}

void server::impl::reply_json(pending& p, int status, const std::string& body,
                              const header_list& headers, const char* content_type) {
  if (p.done) return;
  p.status = status;
  std::shared_lock<std::shared_mutex> io(io_mu_);
  if (p.writer && writable_) {
    try {
      auto& w = *p.writer;
      for (const auto& [name, value] : headers)
        w.headers().add(std::make_shared<named_header>(name, value));
      track_write(writes_, w.send(static_cast<ph::Code>(status), body,
                                  content_type == nullptr
                                      ? MIME(Application, Json)
                                      : Pistache::Http::Mime::MediaType::fromString(content_type)));
    } catch (const std::exception&) {
      // The peer is gone; nothing to tell it.
    }
  }
  finish(p);
}

void server::impl::reply_error(pending& p, const error_reply& e) {
  if (p.done) return;
  if (p.stream && p.head_sent) {
    // The status line is out: the SDKs raise on an error event instead.
    write_stream(p, p.body->on_failed(e), true);
    return;
  }
  header_list headers = e.headers;
  if (p.completion) {
    auto extra = completion_headers(p);
    headers.insert(headers.end(), extra.begin(), extra.end());
  }
  reply_json(p, e.status, error_body(e), headers);
}

void server::impl::start_stream(pending& p) {
  if (p.head_sent) return;
  p.head_sent = true;
  std::string head = stream_response_head(completion_headers(p));
  std::shared_lock<std::shared_mutex> io(io_mu_);
  if (auto peer = writable_ ? p.peer.lock() : nullptr) {
    try {
      const auto n = head.size();
      track_write(writes_, peer->send(Pistache::RawBuffer(std::move(head), n)));
    } catch (const std::exception&) {
    }
  }
  p.status = 200;
  p.last_write = steady::now();
}

void server::impl::write_stream(pending& p, std::string sse_text, bool last) {
  std::string bytes = chunk_frame(sse_text);
  if (last) bytes += chunk_terminator();
  if (!bytes.empty()) {
    std::shared_lock<std::shared_mutex> io(io_mu_);
    if (auto peer = writable_ ? p.peer.lock() : nullptr) {
      try {
        const auto n = bytes.size();
        track_write(writes_, peer->send(Pistache::RawBuffer(std::move(bytes), n)));
      } catch (const std::exception&) {
      }
    }
    p.last_write = steady::now();
  }
  if (last) finish(p);
}

void server::impl::finish(pending& p) {
  p.done = true;
  // 0: the client went away before the answer ended (counted as nginx's 499).
  if (!p.route.empty()) stats_.http_answered(p.route, p.status == 0 ? 499 : p.status);
  if (p.completion) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() -
                                                                          p.received)
                        .count();
    spdlog::info("http: {} {} -> {} via {} in {} ms", p.id, p.stream ? "stream" : "reply",
                 p.status == 0 ? std::string("client gone") : std::to_string(p.status),
                 p.instance_id.empty() ? std::string("-") : p.instance_id, ms);
  }
  // Dropped here, while the server (and so Pistache's transport) is alive.
  p.writer.reset();
}

// ---------------------------------------------------------------------------

void server::impl::track(const pending_ptr& p) {
  std::lock_guard<std::mutex> lock(map_mu_);
  pending_.emplace(p.get(), p);
}

void server::impl::untrack(const pending_ptr& p) {
  std::lock_guard<std::mutex> lock(map_mu_);
  pending_.erase(p.get());
}

void server::impl::ticker_loop() {
  std::unique_lock<std::mutex> lock(ticker_mu_);
  while (!ticker_stop_) {
    ticker_cv_.wait_for(lock, options_.tick_interval, [this] { return ticker_stop_; });
    if (ticker_stop_) break;
    lock.unlock();
    try {
      tick();
    } catch (const std::exception&) {
      // A tick that failed is retried by the next one.
    }
    lock.lock();
  }
}

void server::impl::tick() {
  std::vector<pending_ptr> open;
  {
    std::lock_guard<std::mutex> lock(map_mu_);
    open.reserve(pending_.size());
    for (auto& [key, p] : pending_) open.push_back(p);
  }
  const auto now = steady::now();
  std::vector<std::string> to_cancel;
  std::vector<pending_ptr> ended;
  std::vector<pending_ptr> subscribers;
  for (auto& p : open) {
    std::lock_guard<std::mutex> lock(p->mu);
    if (p->done) {
      ended.push_back(p);
      continue;
    }
    if (p->events && !p->peer.expired()) subscribers.push_back(p);
    if (p->peer.expired()) {
      // The client went away: stop spending a browser on it.
      if (p->completion) to_cancel.push_back(p->id);
      if (p->stream && p->head_sent) p->status = 0;  // the stream broke off
      finish(*p);
      ended.push_back(p);
      continue;
    }
    if (now >= p->deadline) {
      spdlog::warn("http: {} got no answer in time, giving up",
                   p->completion ? p->id : std::string("an admin call"));
      if (p->completion) {
        to_cancel.push_back(p->id);
        reply_error(*p, map_error(error_code::timeout,
                                  "No answer within the request timeout of " +
                                      std::to_string(options_.request_timeout.count() / 1000) +
                                      " s."));
      } else {
        reply_error(*p, map_error(error_code::timeout, "The fleet did not answer in time."));
      }
      ended.push_back(p);
      continue;
    }
    if (p->stream && now - p->last_write >= options_.keep_alive_interval) {
      if (!p->head_sent) start_stream(*p);
      write_stream(*p, std::string(sse_keep_alive()), false);
    }
  }
  for (const auto& p : ended) untrack(p);
  // Outside every lock: a gateway may answer synchronously into on_event.
  for (const auto& id : to_cancel) gw_.cancel(id, [](bool) {});
  if (!subscribers.empty()) push_events(subscribers);
}

// ---------------------------------------------------------------------------
// /v1/events: one SSE stream per open dashboard. The ticker asks the fleet
// at most every events_interval and sends each subscriber the state when it
// differs from the last one it got (so a change shows within ~250 ms).

namespace {
constexpr auto events_interval = std::chrono::milliseconds(250);
}

void server::impl::start_events(ph::ResponseWriter response) {
  auto p = std::make_shared<pending>();
  p->events = true;
  p->stream = true;
  p->id = "events";
  p->route = route_label(endpoint::events);
  p->peer = response.getPeer();
  p->writer.emplace(std::move(response));
  p->received = steady::now();
  p->last_write = p->received;
  p->deadline = steady::time_point::max();
  completion_meta meta;
  meta.id = p->id;
  // Only so that shutdown's reply_error can end the stream with an error event.
  p->body.emplace(meta, false);
  if (closing_) {
    std::lock_guard<std::mutex> lock(p->mu);
    reply_error(*p, map_error(error_code::shutting_down, {}));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(p->mu);
    start_stream(*p);
    write_stream(*p, sse_comment("camoufleet events"), false);
  }
  track(p);
  events_now_ = true;
}

void server::impl::push_events(const std::vector<pending_ptr>& subscribers) {
  const auto now = steady::now();
  if (!events_now_ && now - events_last_ < events_interval) return;
  // One query at a time; one that never came back (a hung fleet) is given up after 5 s.
  if (events_asking_ && now - events_last_ < std::chrono::seconds(5)) return;
  events_asking_ = true;
  events_now_ = false;
  events_last_ = now;
  std::weak_ptr<impl> self = shared_from_this();
  gw_.fleet([self, subscribers](const fleet_view& v) {
    auto s = self.lock();
    if (!s) return;
    const auto now_ms = unix_ms_now();
    const auto state =
        dashboard_state_json(v, s->stats_.snapshot(now_ms), s->browser_memory(v), now_ms);
    for (const auto& p : subscribers) {
      std::lock_guard<std::mutex> lock(p->mu);
      if (p->done || p->last_state == state) continue;
      p->last_state = state;
      s->write_stream(*p, "event: state\n" + sse_event(state), false);
    }
    s->events_asking_ = false;
  });
}

void server::impl::end_events() {
  std::vector<pending_ptr> subscribers;
  {
    std::lock_guard<std::mutex> lock(map_mu_);
    for (auto& [key, p] : pending_)
      if (p->events) subscribers.push_back(p);
  }
  for (const auto& p : subscribers) {
    {
      std::lock_guard<std::mutex> lock(p->mu);
      if (!p->done) reply_error(*p, map_error(error_code::shutting_down, {}));
    }
    untrack(p);
  }
}

std::map<std::string, std::int64_t> server::impl::browser_memory(const fleet_view& v) {
  std::lock_guard<std::mutex> lock(memory_mu_);
  const auto now = steady::now();
  if (now - memory_at_ >= std::chrono::seconds(2)) {
    memory_at_ = now;
    memory_.clear();
    for (const auto& i : v.instances)
      if (i.browser_pid > 0) memory_[i.id] = browser_memory_bytes(i.browser_pid);
  }
  return memory_;
}

// ---------------------------------------------------------------------------

server_options options_from(const config::settings& s) {
  server_options o;
  o.host = s.host;
  o.port = s.port;
  o.threads = s.http_threads;
  o.max_request_bytes = s.max_request_bytes;
  o.api_keys = s.api_keys;
  o.multi_instance_mode = s.multi;
  // The gateway's own limits end a request first; this only catches hangs.
  o.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      s.request_timeout + s.queue_timeout + std::chrono::seconds(30));
  return o;
}

server::server(const server_options& options, gateway& gw)
    : impl_(std::make_shared<impl>(options, gw)) {}

server::~server() { shutdown(); }

void server::start() { impl_->start(); }
bool server::drain(std::chrono::milliseconds grace) { return impl_->drain(grace); }
int server::port() const { return impl_->port(); }
void server::shutdown() { impl_->stop(); }
std::size_t server::in_flight() const { return impl_->in_flight(); }

std::string new_request_id() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t a, b;
  {
    std::lock_guard<std::mutex> lock(mu);
    a = rng();
    b = rng();
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "chatcmpl-%016llx%08llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b & 0xffffffffULL));
  return buf;
}

}  // namespace camoufleet::http
