#pragma once
// What the server tests share: the options, a fake gateway + server
// fixture, scripted events and a streamed-answer reader. Internal to
// tests/http.

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake_gateway.hpp"
#include "http/server.hpp"
#include "test_client.hpp"
#include "test_support.hpp"

namespace camoufleet::testing {

using namespace std::chrono_literals;

inline http::server_options test_options() {
  http::server_options o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.keep_alive_interval = 5s;
  o.request_timeout = 20s;
  o.tick_interval = 50ms;
  return o;
}

// Gateway + server, torn down in reverse order even when a check fails.
struct fixture {
  explicit fixture(http::server_options o = test_options()) : srv(o, gw) { srv.start(); }
  fake_gateway gw;
  http::server srv;
  int port() const { return srv.port(); }
};

inline request_event assigned(const std::string& inst) {
  request_assigned a;
  a.instance_id = inst;
  return a;
}
inline request_event delta(const std::string& content, const std::string& reasoning = "") {
  request_delta d;
  d.content = content;
  d.reasoning = reasoning;
  return d;
}
inline request_event finished(const std::string& content, const std::string& inst,
                       const std::string& reason = "stop") {
  request_finished f;
  f.content = content;
  f.instance_id = inst;
  f.model = "gemini-2.5-pro";
  f.finish_reason = reason;
  f.prompt_tokens = 11;
  f.completion_tokens = 3;
  return f;
}
inline request_event failed(error_code code, const std::string& msg, int retry_after = 0,
                     const std::string& inst = "") {
  request_failed f;
  f.code = code;
  f.message = msg;
  f.retry_after_s = retry_after;
  f.instance_id = inst;
  return f;
}

inline std::string chat_body(bool stream, bool include_usage = false) {
  nlohmann::json j = {{"model", "gemini-2.5-pro"},
            {"messages", nlohmann::json::array({{{"role", "user"}, {"content", "Say hello"}}})},
            {"stream", stream},
            {"temperature", 0.5}};
  if (include_usage) j["stream_options"] = {{"include_usage", true}};
  return j.dump();
}

struct stream_result {
  wire_response head;
  std::vector<sse_event> events;
  bool ended = false;  // the chunked body was terminated
};

// Reads a streamed completion to its end (or the deadline).
inline stream_result read_stream(http_connection& c, std::chrono::milliseconds timeout,
                          const std::function<bool(const sse_event&)>& stop_after = nullptr) {
  stream_result r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!c.read_head(r.head, timeout)) return r;
  std::string buffer;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto chunk = c.next_chunk(left);
    if (!chunk) break;
    buffer += *chunk;
    for (auto& e : parse_sse(buffer)) {
      r.events.push_back(e);
      if (stop_after && stop_after(e)) return r;
    }
  }
  r.ended = c.ended();
  return r;
}

inline std::vector<nlohmann::json> data_events(const stream_result& r) {
  std::vector<nlohmann::json> out;
  for (const auto& e : r.events)
    if (!e.comment && e.data != "[DONE]") out.push_back(nlohmann::json::parse(e.data));
  return out;
}

}  // namespace camoufleet::testing
