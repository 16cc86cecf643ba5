#pragma once
// The OpenAI-compatible HTTP front end (Pistache 0.0.5). It only translates:
// handlers parse, hand the request to the gateway and return at once; the
// reply is written from the gateway's callback, on whatever thread that is.
// No Pistache types in this header (app/ includes it).
//
// Streams: the response head (status, X-Request-Id, X-Camoufleet-Instance)
// is held back until the first delta, the end, or keep_alive_interval of
// waiting, whichever comes first. So a request that fails before producing
// anything (queue full, no instance, rate limited, failover ran out) still
// gets a real HTTP status with Retry-After that SDKs act on, and the instance
// header names the instance that really answers (the last request_assigned).
// When the wait is long enough that keep-alives must start first, the head
// goes out without X-Camoufleet-Instance and the instance is announced later
// as an SSE comment ": instance <id>".
//
// One background ticker thread (no thread per request) sends keep-alive
// comments, notices gone clients (expired Tcp::Peer) and cancels their
// requests in the gateway, and enforces request_timeout.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/gateway.hpp"
#include "config/settings.hpp"

namespace camoufleet::http {

struct server_options {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 = any free port; see server::port()
  int threads = 2;
  std::size_t max_request_bytes = 4 * 1024 * 1024;
  // Empty = no authentication; each key's use is counted under its name.
  std::vector<core::api_key> api_keys;
  // --max-open-per-key: completions one key may have open at once (queued,
  // answering, or running in the background); more get a 429. 0 = no limit.
  int max_open_per_key = 0;
  // --cors-origins: pages besides loopback and our own that may call from a
  // browser (http/cors.hpp); others are refused with 403.
  std::vector<std::string> cors_origins;
  // --allowed-hosts: names the server may be addressed by without API keys
  // besides IP addresses and localhost (http/host_check.hpp); others get 403.
  std::vector<std::string> allowed_hosts;
  // --model-alias: (name, model) pairs (http/model_aliases.hpp).
  std::vector<std::pair<std::string, std::string>> model_aliases;
  bool multi_instance_mode = false;   // reported by /health
  std::chrono::milliseconds keep_alive_interval{15000};
  // Safety net above the gateway's own timeouts: a completion with no end
  // after this long is cancelled and answered with 504.
  std::chrono::milliseconds request_timeout{330000};
  // Deadline for the gateway to answer /health, /v1/models, /v1/instances,
  // /v1/queue and /v1/cancel.
  std::chrono::milliseconds admin_timeout{10000};
  // Pistache's limit for receiving a request's head and body (slow clients).
  // Pistache 0.0.5 measures it from the end of the last request read and,
  // once passed, writes a 408 into the connection even while our answer is
  // still coming (seen in tests), so the server raises it to at least
  // request_timeout + 10 s.
  std::chrono::milliseconds read_timeout{60000};
  // How often the ticker looks at in-flight requests.
  std::chrono::milliseconds tick_interval{100};
  // Used in chunks and completions when the client named no model.
  std::string default_model = "gemini-2.5-pro";
  // --tool-mode, passed on with every request (generation_params::tool_mode).
  core::tool_mode tool_mode = core::tool_mode::automatic;
  // --image-urls fetch and its limits (fetch/image_fetch.hpp).
  bool fetch_image_urls = false;
  std::size_t image_fetch_max_bytes = 8 * 1024 * 1024;
  std::chrono::milliseconds image_fetch_timeout{10000};
  std::string image_fetch_ca_file;
  // --responses-store-mb: answers of /v1/responses remembered for
  // previous_response_id, item_reference and GET (0 = none).
  std::size_t responses_store_bytes = 64u << 20;
  // How long a streamed background response's events stay readable again
  // (GET /v1/responses/{id}?stream=true) after it ended; at most
  // responses_store_bytes of them, oldest ended dropped first.
  std::chrono::milliseconds stream_kept_for{std::chrono::minutes(10)};
};

server_options options_from(const config::settings& s);

class server {
 public:
  server(const server_options& options, gateway& gw);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and starts serving on background threads; throws std::runtime_error
  // when the address cannot be bound.
  void start();
  // The bound port (after start()).
  int port() const;
  // Graceful stop, first half: new completions get 503 shutting_down (with
  // Retry-After) while the ones in flight may finish; blocks up to `grace`
  // and returns true when none is left. Call shutdown() afterwards.
  bool drain(std::chrono::milliseconds grace);
  // Answers every in-flight request (503 shutting_down, or an SSE error event
  // on streams that started), cancels them in the gateway and stops serving.
  // Idempotent.
  void shutdown();

  // Requests whose reply is not finished yet (completions and admin calls).
  std::size_t in_flight() const;

  // The accepted API keys replaced (the key file read again on SIGHUP): a
  // request checked after this is checked against `keys` only; requests
  // already accepted go on. Keys cannot be turned on or off while serving
  // (the host checks and --allow-open-api were decided by them at start):
  // false, and nothing changes, when the server started without keys or
  // `keys` is empty.
  bool replace_api_keys(std::vector<core::api_key> keys);

  // The /v1/responses answers kept across a restart (--responses-store-file,
  // app/responses_file.hpp): the memory as one document, a document loaded
  // into the still empty memory ("" when loaded, else why not), and a
  // counter every change moves.
  std::string dump_responses() const;
  std::string load_responses(const std::string& document);
  std::uint64_t responses_generation() const;
  std::size_t responses_kept() const;

  class impl;

 private:
  std::shared_ptr<impl> impl_;
};

// prefix + 24 random hex digits ("chatcmpl-...", "resp_...").
std::string new_request_id(const char* prefix = "chatcmpl-");

}  // namespace camoufleet::http
