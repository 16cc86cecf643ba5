#include "http/server.hpp"
#include "http/server_impl.hpp"

namespace camoufleet::http {
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
                  [this](const oversized_request& r) { return owner_->too_large(r); });
  }

  server::impl* owner_;
};

}  // namespace

void handler::onRequest(const ph::Request& req, ph::ResponseWriter response) {
  owner_->on_request(req, std::move(response));
}

oversize_answer server::impl::too_large(const oversized_request& request) const {
  const std::string size = request.declared > 0
                               ? "is " + std::to_string(request.declared) + " bytes"
                               : "is larger than that";
  oversize_answer answer;
  answer.body = error_body(map_failure(http_failure::too_large,
                                       "The request body " + size + "; the limit is " +
                                           std::to_string(options_.max_request_bytes) + " bytes."));
  // A page allowed to call reads this error as it reads the others.
  if (!request.origin.empty() && cors_.allows(request.origin, request.host))
    answer.headers = cors_.answer_headers(request.origin);
  return answer;
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
               options_.threads, auth_enabled_ ? "required" : "not required");
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
    if (p->completion)
      for (auto& id : gateway_ids(*p)) to_cancel.push_back(std::move(id));
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
    const std::string method = ph::methodString(req.method());
    const auto route = match_route(method, path);
    header_list cors;
    if (screen_caller(req, route.target, response, cors)) return;
    std::string caller;  // the name of the caller's key ("" without keys)
    int open_limit = 0;  // how many requests that key may have open (0: no limit)
    if (!auth_exempt(path) && auth_enabled_) {
      const auto authorization = req.headers().tryGetRaw("Authorization");
      const auto check = std::atomic_load(&auth_);
      const core::api_key* key =
          check->caller(authorization ? authorization->value() : std::string());
      if (key == nullptr) {
        const auto e = map_failure(http_failure::unauthorized,
                                   authorization ? "Incorrect API key provided."
                                                 : "Missing API key: send "
                                                   "'Authorization: Bearer <key>'.");
        reply_now(std::move(response), route.target, std::move(cors), &e);
        return;
      }
      caller = key->name;
      open_limit = key->open_limit(options_.max_open_per_key);
    }
    switch (route.target) {
      case endpoint::chat_completions:
      case endpoint::text_completions:
      case endpoint::responses:
        handle_completion(req, route.target, std::move(response), std::move(cors),
                          std::move(caller), open_limit);
        return;
      case endpoint::events:
        start_events(std::move(response), std::move(cors));
        return;
      case endpoint::not_found: {
        const auto e = map_failure(http_failure::route_not_found,
                                   "Unknown request URL: " + method + " " + path + ".");
        reply_now(std::move(response), route.target, std::move(cors), &e);
        return;
      }
      case endpoint::method_not_allowed: {
        auto e = map_failure(http_failure::method_not_allowed,
                             "Method " + method + " is not allowed for " + path + ".");
        e.headers.emplace_back("Allow", route.allow);
        reply_now(std::move(response), route.target, std::move(cors), &e);
        return;
      }
      default:
        handle_admin(route.target,
                     route.target == endpoint::model ? route.model_id
                     : !route.instance_id.empty()    ? route.instance_id
                     : !route.asset.empty()          ? route.asset
                                                     : route.request_id,
                     std::move(response), std::move(cors), req.query());
        return;
    }
  } catch (const std::exception&) {
    // The writer may already be gone; Pistache answers nothing then and the
    // client sees the connection close.
  }
}

// ---------------------------------------------------------------------------

server::impl::pending_ptr server::impl::open_completion(const std::string& id) {
  std::lock_guard<std::mutex> lock(map_mu_);
  // A completion only: an admin call about `id` (its cancel) goes by `id` too.
  for (const auto& [key, p] : pending_)
    if (p->completion && p->id == id) return p;
  return nullptr;
}

bool server::impl::track(const pending_ptr& p) {
  std::lock_guard<std::mutex> lock(map_mu_);
  if (pending_.count(p.get()) > 0) return true;
  // p->caller is set when p is made, before any other thread sees it.
  if (!p->caller.empty()) {
    int& open = open_by_key_[p->caller];
    if (p->open_limit > 0 && open >= p->open_limit) {
      ++refused_by_key_[p->caller];
      return false;
    }
    ++open;
  }
  pending_.emplace(p.get(), p);
  return true;
}

void server::impl::untrack(const pending_ptr& p) {
  std::lock_guard<std::mutex> lock(map_mu_);
  if (pending_.erase(p.get()) == 0) return;
  if (p->caller.empty()) return;
  const auto it = open_by_key_.find(p->caller);
  if (it != open_by_key_.end() && --it->second <= 0) open_by_key_.erase(it);
}

key_admission server::impl::admission() const {
  key_admission a;
  for (const auto& k : std::atomic_load(&auth_)->keys())
    if (const int n = k.open_limit(options_.max_open_per_key); n > 0) a.limit[k.name] = n;
  std::lock_guard<std::mutex> lock(map_mu_);
  a.open = open_by_key_;
  a.refused = refused_by_key_;
  return a;
}

void server::impl::refuse_busy_key(const pending_ptr& p) {
  std::lock_guard<std::mutex> lock(p->mu);
  reply_error(*p, map_error(error_code::queue_full,
                            "The API key '" + p->caller + "' has " + std::to_string(p->open_limit) +
                                " requests open, the most it may have (--max-open-per-key, or "
                                "max_open= in the key file). Try again when one of them has ended.",
                            1));
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
    if (p->peer.expired() && p->background_status.empty()) {
      // The client went away: stop spending a browser on it.
      if (p->completion)
        for (auto& id : gateway_ids(*p)) to_cancel.push_back(std::move(id));
      if (p->stream && p->head_sent) p->status = 0;  // the stream broke off
      finish(*p);
      ended.push_back(p);
      continue;
    }
    if (now >= p->deadline) {
      spdlog::warn("http: {} got no answer in time, giving up",
                   p->completion ? p->id : std::string("an admin call"));
      if (p->completion) {
        for (auto& id : gateway_ids(*p)) to_cancel.push_back(std::move(id));
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
  prune_streams();
  // Outside every lock: a gateway may answer synchronously into on_event.
  for (const auto& id : to_cancel) gw_.cancel(id, [](bool) {});
  if (!subscribers.empty()) push_events(subscribers);
}
// ---------------------------------------------------------------------------

server_options options_from(const config::settings& s) {
  server_options o;
  o.host = s.host;
  o.port = s.port;
  o.threads = s.http_threads;
  o.max_request_bytes = s.max_request_bytes;
  o.api_keys = s.api_keys;
  o.max_open_per_key = s.max_open_per_key;
  o.cors_origins = s.cors_origins;
  o.allowed_hosts = s.allowed_hosts;
  o.model_aliases = s.model_aliases;
  o.multi_instance_mode = s.multi;
  o.tool_mode = s.tool_mode;
  o.fetch_image_urls = s.image_urls == "fetch";
  o.image_fetch_max_bytes = s.image_fetch_max_bytes;
  o.image_fetch_timeout = s.image_fetch_timeout;
  o.image_fetch_ca_file = s.image_fetch_ca_file;
  o.responses_store_bytes = static_cast<std::size_t>(s.responses_store_mb) << 20;
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
bool server::replace_api_keys(std::vector<core::api_key> keys) {
  return impl_->replace_api_keys(std::move(keys));
}
std::string server::dump_responses() const {
  return impl_->responses().dump();
}
std::string server::load_responses(const std::string& document) {
  return impl_->responses().load(document);
}
std::uint64_t server::responses_generation() const {
  return impl_->responses().generation();
}
std::size_t server::responses_kept() const {
  return impl_->responses().size();
}

std::string new_request_id(const char* prefix) {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t a, b;
  {
    std::lock_guard<std::mutex> lock(mu);
    a = rng();
    b = rng();
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx%08llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b & 0xffffffffULL));
  return prefix + std::string(buf);
}

}  // namespace camoufleet::http
