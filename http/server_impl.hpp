#pragma once
// server::impl, shared by the files that implement it (server.cpp: start,
// stop, routing, the ticker; completions.cpp: the completion routes;
// admin_routes.cpp: the fleet, dashboard and remembered-answer routes;
// replies.cpp: writing answers and streams; events_stream.cpp: /v1/events).
// Only those files include it; nothing here is API.

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

#include "actors/observed_gateway.hpp"
#include "core/text.hpp"
#include "core/web_origin.hpp"
#include "http/auth.hpp"
#include "http/body_guard.hpp"
#include "http/chat_request.hpp"
#include "http/choices_stream.hpp"
#include "http/completion_stream.hpp"
#include "http/cors.hpp"
#include "http/dashboard.hpp"
#include "http/errors.hpp"
#include "http/event_log.hpp"
#include "http/host_check.hpp"
#include "http/log_gate.hpp"
#include "http/metrics.hpp"
#include "http/model_aliases.hpp"
#include "http/responses_request.hpp"
#include "http/responses_stream.hpp"
#include "http/routes.hpp"
#include "http/server.hpp"
#include "http/sse.hpp"
#include "http/text_completion_request.hpp"
#include "http/views.hpp"

namespace camoufleet::http {

namespace ph = Pistache::Http;
using steady = std::chrono::steady_clock;
using header_list = std::vector<std::pair<std::string, std::string>>;

inline std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct pending;

// A streamed background response's events (http/background.cpp), kept
// while it runs and a while after, and the clients reading it again
// (GET /v1/responses/{id}?stream=true), each from the event after its
// `starting_after`. Lock order: the response's pending, then mu, then a
// reader's pending.
struct kept_stream {
  struct reader {
    std::weak_ptr<pending> p;
    long long after = -1;
  };
  std::mutex mu;
  event_log log;
  std::vector<reader> readers;
  steady::time_point ended_at{};
};

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
  std::string caller;  // its API key's name ("" without keys)
  int open_limit = 0;  // requests its key may have open at once (0: no limit)
  completion_meta meta;
  // POST /v1/responses: the request's settings its answer repeats (the
  // answer is in the Responses API's shape, with meta's id, created and
  // model); unset for a chat completion.
  std::optional<nlohmann::json> responses_echo;
  std::string alias;  // the model name asked for when it was an alias (--model-alias)
  response_record record;               // /v1/responses: what to remember once answered
  // `n` > 1 (http/choices.cpp): the parts' request ids, their answers by
  // choice, and how many are still out.
  std::vector<std::string> parts;
  std::vector<request_finished> answers;
  int choices_left = 0;
  int choices_per_prompt = 1;  // `n`: parts in a row answer one prompt
  // /v1/responses with `background: true` (http/background.cpp): asked
  // for, and the status kept for it once accepted ("" = not accepted yet).
  bool background = false;
  std::string background_status;
  // With `stream` too: where its events are kept for readers.
  std::shared_ptr<kept_stream> replay;
  std::unique_ptr<answer_stream> body;  // a stream's body in its route's shape
  std::string route;       // label for camoufleet_http_requests_total ("" = not counted)
  bool events = false;     // a /v1/events subscriber (the dashboard)
  std::string last_state;  // events: the last state sent to it
  header_list cors;        // CORS headers every answer to it carries (http/cors.hpp)
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

inline void track_write(const write_counter& counter, Pistache::Async::Promise<ssize_t> promise) {
  counter->fetch_add(1);
  promise.then([counter](ssize_t) { counter->fetch_sub(1); },
               [counter](std::exception_ptr) { counter->fetch_sub(1); });
}

class server::impl : public std::enable_shared_from_this<server::impl> {
 public:
  impl(const server_options& options, gateway& gw)
      : options_(options),
        observed_(gw, stats_),
        gw_(observed_),
        auth_(std::make_shared<const api_key_check>(options.api_keys)),
        auth_enabled_(!options.api_keys.empty()),
        cors_(options.cors_origins),
        hosts_(options.allowed_hosts, auth_enabled_,
               core::is_loopback_host(core::to_lower(options.host))),
        answers_(options.responses_store_bytes),
        aliases_(options.model_aliases) {}

  ~impl() { stop(); }

  void start();
  int port() const { return port_; }
  bool drain(std::chrono::milliseconds grace);
  void stop();
  bool replace_api_keys(std::vector<core::api_key> keys) {
    if (!auth_enabled_ || keys.empty()) return false;
    std::atomic_store(&auth_, std::shared_ptr<const api_key_check>(
                                  std::make_shared<const api_key_check>(std::move(keys))));
    return true;
  }
  response_store& responses() { return answers_; }
  std::size_t in_flight() const {
    std::lock_guard<std::mutex> lock(map_mu_);
    return pending_.size();
  }

  void on_request(const ph::Request& req, ph::ResponseWriter response);
  const body_limit& limit() const { return limit_; }
  oversize_answer too_large(const oversized_request& request) const;

 private:
  using pending_ptr = std::shared_ptr<pending>;

  // Who calls: a request addressed by a name it may not use (host_check) or
  // from a web page that may not call (cors_policy) is refused (403) here,
  // a preflight answered, and true; else the CORS headers its answer
  // carries in `cors` and false.
  // `route`: where the request goes (the refusal's metric label).
  bool screen_caller(const ph::Request& req, endpoint route, ph::ResponseWriter& response,
                     header_list& cors);
  // A reply written on the spot: an error (auth, routing, origin) or, with
  // none, 204 No Content (a preflight's answer).
  void reply_now(ph::ResponseWriter response, endpoint route, header_list cors,
                 const error_reply* error);
  // POST /v1/chat/completions, POST /v1/completions and POST /v1/responses
  // (route): the same request, read from and answered in each route's shape.
  // caller: the name of the request's API key ("" without keys).
  void handle_completion(const ph::Request& req, endpoint route, ph::ResponseWriter response,
                         header_list cors, std::string caller, int open_limit);
  // A parsed completion to the gateway (p already tracked or not; a p that
  // was answered meanwhile is left alone).
  void submit(const pending_ptr& p, chat_parse_result parsed);
  // http/image_urls.cpp (--image-urls fetch): the request's http:// images
  // fetched (fetch/) on a thread of its own, then submit() — or a 400
  // naming the URL.
  void fetch_then_submit(const pending_ptr& p, chat_parse_result parsed);
  // target_id: the request id (cancel, /v1/responses/{id}), the model id
  // (model), ...; query: the URL's parameters (read before it returns).
  void handle_admin(endpoint target, const std::string& target_id, ph::ResponseWriter response,
                    header_list cors, const ph::Uri::Query& query);
  void on_event(const pending_ptr& p, const request_event& ev);
  // http/choices.cpp: `n` > 1 as n requests to the gateway, and their events.
  // parsed.parts() requests; part i's user turn is parsed.prompts[i /
  // parsed.choices] when there are several prompts.
  void submit_choices(const pending_ptr& p, const completion_request& request,
                      const chat_parse_result& parsed);
  void on_choice_event(const pending_ptr& p, std::size_t i, const request_event& ev);
  // Not under any lock: every part of the running request `id` cancelled
  // (false: no such request with parts).
  bool cancel_choices(const std::string& id);
  // A finished /v1/responses answer into answers_ (unless store is off).
  void remember(pending& p, const std::string& object);
  // http/background.cpp, under p.mu unless said: a background response
  // kept as queued and that object sent (p stays open without its client);
  // its start, its answer, or its end without one (e: the failure, if
  // any), kept, and p done.
  void accept_background(pending& p);
  void note_background_start(pending& p);
  void settle_background(pending& p, const request_finished& f);
  void fail_background(pending& p, const char* status, const error_reply* e);
  // Not under any lock: a running background response's cancel (false:
  // none was running).
  bool cancel_background(const std::string& id);
  // POST /v1/responses/{id}/cancel: (status, body); 404's body is left to
  // the route.
  std::pair<int, std::string> cancel_response(const std::string& id);
  // Under p.mu: a stream's events to its client, and, for a streamed
  // background response, to its kept events and their readers.
  void emit(pending& p, std::string sse_text, bool last);
  // GET /v1/responses/{id}?stream=true (params: the query's): the admin
  // call p turned into a reader of the kept events, or answered with a
  // refusal. False: no response `id` is known (the route answers 404).
  bool follow_response(const pending_ptr& p, const std::string& id,
                       const std::map<std::string, std::string>& params);
  // The ticker's: kept events of responses ended long enough ago, or over
  // the budget (oldest ended first), dropped.
  void prune_streams();
  // /metrics: what the Responses API keeps.
  responses_memory responses_figures();
  // Completion requests open now, limits and refusals, per API key name.
  key_admission admission() const;
  // /v1/events, the dashboard's live state: start a subscriber, push to the
  // subscribers (from the ticker), end them all (drain).
  void start_events(ph::ResponseWriter response, header_list cors);
  void push_events(const std::vector<pending_ptr>& subscribers);
  void end_events();
  std::map<std::string, std::int64_t> browser_memory(const fleet_view& v);

  // Under p.mu: the write helpers.
  // content_type: nullptr = application/json.
  void reply_json(pending& p, int status, const std::string& body, const header_list& headers,
                  const char* content_type = nullptr);
  // reply_json's writing alone: p stays open.
  void write_reply(pending& p, int status, const std::string& body, const header_list& headers,
                   const char* content_type);
  void reply_error(pending& p, const error_reply& e);
  void write_stream(pending& p, std::string sse_text, bool last);
  // Hands bytes to the client's connection as they are (stream head, chunks).
  void send_raw(pending& p, std::string bytes);
  void start_stream(pending& p);
  void finish(pending& p);
  header_list completion_headers(const pending& p) const;

  // Not under any lock: the open completion request `id` (nullptr: none).
  pending_ptr open_completion(const std::string& id);
  // A reply kept open (the ticker's timeouts and gone-client checks reach
  // it). false, and not kept, when it is a completion of an API key that
  // has its open_limit open already; true when it was kept before.
  bool track(const pending_ptr& p);
  void untrack(const pending_ptr& p);
  // The 429 for a completion its key's open-request limit turned away.
  void refuse_busy_key(const pending_ptr& p);
  void tick();
  void ticker_loop();

  server_options options_;
  // Every request passes through observed_, which counts it into stats_.
  std::shared_ptr<fleet_stats> stats_ = std::make_shared<fleet_stats>();
  observed_gateway observed_;
  gateway& gw_;
  // Read and replaced with std::atomic_load / atomic_store (SIGHUP); on or
  // off for good at start.
  std::shared_ptr<const api_key_check> auth_;
  const bool auth_enabled_;
  cors_policy cors_;
  host_check hosts_;
  // Refused callers' log lines: one per host name or origin and minute.
  log_gate refusals_{std::chrono::seconds(60)};
  response_store answers_;  // /v1/responses answers, for previous_response_id and GET
  // Streamed background responses' events, by response id.
  std::mutex streams_mu_;
  std::unordered_map<std::string, std::shared_ptr<kept_stream>> streams_;
  model_aliases aliases_;   // --model-alias
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
  std::map<std::string, int> open_by_key_;  // tracked completions by key name
  std::map<std::string, std::uint64_t> refused_by_key_;  // track() refusals by key name

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

// The ids p goes by in the gateway: its parts (`n` > 1), else its own.
std::vector<std::string> gateway_ids(const pending& p);

// Whether any attachment is an http:// URL still to fetch (mime_type "").
bool has_image_urls(const completion_request& r);

}  // namespace camoufleet::http
