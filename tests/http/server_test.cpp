// The real Pistache server on port 0, a scripted fake gateway behind the real
// interface, and a raw-socket client.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake_gateway.hpp"
#include "http/server.hpp"
#include "test_client.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return cond();
}

http::server_options test_options() {
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

request_event assigned(const std::string& inst) {
  request_assigned a;
  a.instance_id = inst;
  return a;
}
request_event delta(const std::string& content, const std::string& reasoning = "") {
  request_delta d;
  d.content = content;
  d.reasoning = reasoning;
  return d;
}
request_event finished(const std::string& content, const std::string& inst,
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
request_event failed(error_code code, const std::string& msg, int retry_after = 0,
                     const std::string& inst = "") {
  request_failed f;
  f.code = code;
  f.message = msg;
  f.retry_after_s = retry_after;
  f.instance_id = inst;
  return f;
}

std::string chat_body(bool stream, bool include_usage = false) {
  json j = {{"model", "gemini-2.5-pro"},
            {"messages", json::array({{{"role", "user"}, {"content", "Say hello"}}})},
            {"stream", stream},
            {"temperature", 0.5}};
  if (include_usage) j["stream_options"] = {{"include_usage", true}};
  return j.dump();
}

struct stream_result {
  http_response head;
  std::vector<sse_event> events;
  bool ended = false;  // the chunked body was terminated
};

// Reads a streamed completion to its end (or the deadline).
stream_result read_stream(http_connection& c, std::chrono::milliseconds timeout,
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

std::vector<json> data_events(const stream_result& r) {
  std::vector<json> out;
  for (const auto& e : r.events)
    if (!e.comment && e.data != "[DONE]") out.push_back(json::parse(e.data));
  return out;
}

}  // namespace

TEST_CASE("server: non-stream success carries the answer and the id/instance headers") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{20ms, assigned("inst-A")},
                                    {20ms, delta("Hel")},
                                    {20ms, finished("Hello!", "inst-A")}};
  });
  auto r = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false));
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type").find("application/json") == 0);
  const auto id = r.header("x-request-id");
  CHECK(id.rfind("chatcmpl-", 0) == 0);
  CHECK(id.size() == 9 + 24);
  CHECK(r.header("x-camoufleet-instance") == "inst-A");
  auto j = json::parse(r.body);
  CHECK(j["id"] == id);
  CHECK(j["object"] == "chat.completion");
  CHECK(j["model"] == "gemini-2.5-pro");
  CHECK(j["choices"][0]["message"]["content"] == "Hello!");
  CHECK(j["choices"][0]["finish_reason"] == "stop");
  CHECK(j["usage"]["total_tokens"] == 14);

  auto sub = f.gw.submitted();
  REQUIRE(sub.size() == 1);
  CHECK(sub[0].id == id);
  CHECK(sub[0].messages.at(0).content == "Say hello");
  CHECK(sub[0].params.temperature == doctest::Approx(0.5));
  CHECK_FALSE(sub[0].stream);
  CHECK(sub[0].received_ms > 0);
  CHECK(wait_until([&] { return f.srv.in_flight() == 0; }, 2s));
}

TEST_CASE("server: stream success follows the OpenAI chunk sequence") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{10ms, assigned("inst-B")},
                                    {20ms, delta("", "thinking")},
                                    {20ms, delta("Hel")},
                                    {20ms, delta("lo")},
                                    {20ms, finished("Hello", "inst-B")}};
  });
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", chat_body(true, true))));
  auto r = read_stream(c, 10s);
  REQUIRE(r.head.status == 200);
  CHECK(r.head.header("content-type") == "text/event-stream");
  CHECK(r.head.header("transfer-encoding") == "chunked");
  CHECK(r.head.header("x-camoufleet-instance") == "inst-B");
  const auto id = r.head.header("x-request-id");
  CHECK(r.ended);
  REQUIRE(!r.events.empty());
  CHECK(r.events.back().data == "[DONE]");
  auto d = data_events(r);
  REQUIRE(d.size() == 6);  // role, reasoning, Hel, lo, finish, usage
  CHECK(d[0]["choices"][0]["delta"] == json{{"role", "assistant"}, {"content", ""}});
  CHECK(d[1]["choices"][0]["delta"]["reasoning_content"] == "thinking");
  CHECK(d[2]["choices"][0]["delta"]["content"] == "Hel");
  CHECK(d[3]["choices"][0]["delta"]["content"] == "lo");
  CHECK(d[4]["choices"][0]["finish_reason"] == "stop");
  CHECK(d[5]["choices"] == json::array());
  CHECK(d[5]["usage"]["prompt_tokens"] == 11);
  for (const auto& j : d) {
    CHECK(j["id"] == id);
    CHECK(j["object"] == "chat.completion.chunk");
    CHECK(j["model"] == "gemini-2.5-pro");
    CHECK(j["created"] == d[0]["created"]);
  }
}

TEST_CASE("server: a stream failing after the first chunk ends with an error event and DONE") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{10ms, assigned("inst-C")},
                                    {20ms, delta("partial")},
                                    {30ms, failed(error_code::browser_gone, "browser exited", 0, "inst-C")}};
  });
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", chat_body(true))));
  auto r = read_stream(c, 10s);
  REQUIRE(r.head.status == 200);
  CHECK(r.ended);
  auto d = data_events(r);
  REQUIRE(d.size() == 3);  // role, partial, error
  CHECK(d[1]["choices"][0]["delta"]["content"] == "partial");
  CHECK(d[2]["error"]["code"] == "browser_gone");
  CHECK(d[2]["error"]["message"] == "browser exited");
  CHECK(r.events.back().data == "[DONE]");
}

TEST_CASE("server: a stream failing before any output gets a real status with Retry-After") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{10ms, failed(error_code::queue_full, "queue is full", 9)}};
  });
  auto r = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(true));
  CHECK(r.status == 429);
  CHECK(r.header("retry-after") == "9");
  CHECK(r.header("x-should-retry") == "true");
  CHECK(r.header("x-request-id").rfind("chatcmpl-", 0) == 0);
  CHECK(json::parse(r.body)["error"]["code"] == "rate_limit_exceeded");
}

TEST_CASE("server: keep-alive comments flow while the request waits in the queue") {
  auto o = test_options();
  o.keep_alive_interval = 150ms;
  fixture f(o);
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{900ms, assigned("inst-K")},
                                    {50ms, delta("late")},
                                    {20ms, finished("late", "inst-K")}};
  });
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", chat_body(true))));
  auto r = read_stream(c, 10s);
  REQUIRE(r.head.status == 200);
  CHECK(r.ended);
  // The head had to go out before the assignment, so the instance came as a comment.
  CHECK(r.head.header("x-camoufleet-instance").empty());
  int keep_alives_before_role = 0;
  bool saw_instance = false;
  for (const auto& e : r.events) {
    if (!e.comment) break;
    if (e.data == "keep-alive") ++keep_alives_before_role;
    if (e.data == "instance inst-K") saw_instance = true;
  }
  CHECK(keep_alives_before_role >= 2);
  CHECK(saw_instance);
  auto d = data_events(r);
  REQUIRE(d.size() == 3);
  CHECK(d[0]["choices"][0]["delta"]["role"] == "assistant");
  CHECK(d[1]["choices"][0]["delta"]["content"] == "late");
}

TEST_CASE("server: 429 and 503 from the gateway carry Retry-After") {
  fixture f;
  std::atomic<int> n{0};
  f.gw.set_script([&](const completion_request&) {
    if (n++ == 0) return std::vector<script_step>{{5ms, failed(error_code::queue_full, "", 7)}};
    return std::vector<script_step>{{5ms, failed(error_code::no_instances, "all cooling down")}};
  });
  auto a = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false));
  CHECK(a.status == 429);
  CHECK(a.header("retry-after") == "7");
  auto b = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false));
  CHECK(b.status == 503);
  CHECK(!b.header("retry-after").empty());
  CHECK(json::parse(b.body)["error"]["message"] == "all cooling down");
}

TEST_CASE("server: upstream failures map to 502/504 on non-stream requests") {
  fixture f;
  std::atomic<int> n{0};
  f.gw.set_script([&](const completion_request&) {
    const error_code codes[] = {error_code::login_lost, error_code::timeout, error_code::unknown_model};
    return std::vector<script_step>{{5ms, failed(codes[n++ % 3], "x", 0, "inst-Z")}};
  });
  auto a = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false));
  CHECK(a.status == 502);
  CHECK(a.header("x-camoufleet-instance") == "inst-Z");
  CHECK(http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false)).status == 504);
  auto c = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false));
  CHECK(c.status == 404);
  CHECK(json::parse(c.body)["error"]["code"] == "model_not_found");
}

TEST_CASE("server: API keys guard every route but /health") {
  auto o = test_options();
  o.api_keys = {"sk-test-1", "sk-test-2"};
  fixture f(o);
  f.gw.set_models({{"gemini-2.5-pro", "Gemini 2.5 Pro"}});
  instance_view i;
  i.status = instance_status::ready;
  fleet_view v;
  v.instances = {i};
  f.gw.set_fleet(v);

  auto none = http_call(f.port(), "GET", "/v1/models");
  CHECK(none.status == 401);
  CHECK(json::parse(none.body)["error"]["code"] == "invalid_api_key");
  auto wrong = http_call(f.port(), "GET", "/v1/models", "", {{"Authorization", "Bearer sk-nope"}});
  CHECK(wrong.status == 401);
  auto chat = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false));
  CHECK(chat.status == 401);
  CHECK(f.gw.submitted().empty());
  auto ok = http_call(f.port(), "GET", "/v1/models", "", {{"Authorization", "Bearer sk-test-2"}});
  CHECK(ok.status == 200);
  auto health = http_call(f.port(), "GET", "/health");
  CHECK(health.status == 200);
}

TEST_CASE("server: unknown routes, wrong methods and bad bodies get OpenAI errors") {
  fixture f;
  auto nf = http_call(f.port(), "GET", "/v1/nothing");
  CHECK(nf.status == 404);
  CHECK(nf.header("content-type").find("application/json") == 0);
  CHECK(json::parse(nf.body)["error"]["code"] == "unknown_url");
  auto m = http_call(f.port(), "GET", "/v1/chat/completions");
  CHECK(m.status == 405);
  CHECK(m.header("allow") == "POST");
  auto bad = http_call(f.port(), "POST", "/v1/chat/completions", R"({"messages":[]})");
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body)["error"]["param"] == "messages");
  auto junk = http_call(f.port(), "POST", "/v1/chat/completions", "{not json");
  CHECK(junk.status == 400);
  // Nothing for the site to answer: refused here, before any browser.
  auto hollow = http_call(f.port(), "POST", "/v1/chat/completions",
                          R"({"messages":[{"role":"assistant"}]})");
  CHECK(hollow.status == 400);
  CHECK(json::parse(hollow.body)["error"]["param"] == "messages");
  CHECK(f.gw.submitted().empty());
}

TEST_CASE("server: a body over the limit is refused with 413") {
  auto o = test_options();
  o.max_request_bytes = 2000;
  fixture f(o);
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{5ms, finished("ok", "inst-A")}};
  });
  json j = {{"messages", json::array({{{"role", "user"}, {"content", std::string(5000, 'x')}}})}};
  auto big = http_call(f.port(), "POST", "/v1/chat/completions", j.dump());
  CHECK(big.status == 413);
  CHECK(json::parse(big.body)["error"]["code"] == "request_too_large");
  // Far beyond: Pistache itself refuses before our handler runs.
  json huge = {{"messages", json::array({{{"role", "user"}, {"content", std::string(200000, 'x')}}})}};
  auto h = http_call(f.port(), "POST", "/v1/chat/completions", huge.dump());
  CHECK(h.status == 413);
  CHECK(http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false)).status == 200);
  CHECK(f.gw.submitted().size() == 1);
}

TEST_CASE("server: a huge body gets a readable 413 at once, and the upload is drained") {
  auto o = test_options();
  o.max_request_bytes = 100 * 1024;
  fixture f(o);
  const std::size_t huge = 30u << 20;  // the 30 MB of the report
  const std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Content-Type: application/json\r\nContent-Length: " +
                           std::to_string(huge) + "\r\n\r\n";
  const auto check_413 = [](const http_response& r) {
    CHECK(r.status == 413);
    CHECK(r.header("connection") == "close");
    REQUIRE(r.complete);
    auto e = json::parse(r.body)["error"];
    CHECK(e["code"] == "request_too_large");
    CHECK(e["message"].get<std::string>().find(std::to_string(huge)) != std::string::npos);
  };

  SUBCASE("answered as soon as the head says so, before the body is sent") {
    http_connection c(f.port());
    REQUIRE(c.send_all(head + std::string(1000, 'x')));
    http_response r;
    REQUIRE(c.read_head(r, 5s));
    c.read_body(r, 5s);
    check_413(r);
  }
  SUBCASE("a client that sends everything before reading still reads the 413") {
    // As the SDKs do: the whole 30 MB first, then the answer. The server must
    // keep reading (and dropping) instead of resetting the connection.
    http_connection c(f.port());
    std::atomic<bool> sent{false};
    std::thread sender([&] { sent = c.send_all(head + std::string(huge, 'x')); });
    http_response r;
    const bool got_head = c.read_head(r, 30s);
    sender.join();
    CHECK(sent.load());
    REQUIRE(got_head);
    c.read_body(r, 5s);
    check_413(r);
  }
  SUBCASE("a chunked body with no length is cut off past the limit too") {
    http_connection c(f.port());
    std::string req = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string piece(8192, 'x');
    for (int i = 0; i < 40; ++i) req += "2000\r\n" + piece + "\r\n";
    std::atomic<bool> sent{false};
    std::thread sender([&] { sent = c.send_all(req); });
    http_response r;
    const bool got_head = c.read_head(r, 10s);
    sender.join();
    REQUIRE(got_head);
    CHECK(r.status == 413);
    c.read_body(r, 5s);
    CHECK(json::parse(r.body)["error"]["code"] == "request_too_large");
  }
  // The server is fine afterwards, and nothing reached the gateway.
  CHECK(f.gw.submitted().empty());
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{5ms, finished("ok", "inst-A")}};
  });
  CHECK(http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false)).status == 200);
}

TEST_CASE("server: a client leaving mid-stream gets its request cancelled") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{10ms, assigned("inst-D")},
                                    {20ms, delta("first")},
                                    {20s, finished("never", "inst-D")}};
  });
  std::string id;
  {
    http_connection c(f.port());
    REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", chat_body(true))));
    auto r = read_stream(c, 5s, [](const sse_event& e) {
      return !e.comment && e.data.find("first") != std::string::npos;
    });
    REQUIRE(r.head.status == 200);
    id = r.head.header("x-request-id");
    REQUIRE(!id.empty());
  }  // the connection closes here
  CHECK(wait_until([&] { return f.gw.was_cancelled(id); }, 3s));
  CHECK(wait_until([&] { return f.srv.in_flight() == 0; }, 3s));
}

TEST_CASE("server: a client leaving a non-stream request gets it cancelled") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{20s, finished("never", "inst-D")}};
  });
  {
    http_connection c(f.port());
    REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", chat_body(false))));
    REQUIRE(wait_until([&] { return f.gw.submitted().size() == 1; }, 3s));
  }
  const auto id = f.gw.submitted().at(0).id;
  CHECK(wait_until([&] { return f.gw.was_cancelled(id); }, 3s));
}

TEST_CASE("server: many concurrent streams while /health keeps answering") {
  fixture f;
  instance_view i;
  i.status = instance_status::busy;
  fleet_view v;
  v.instances = {i};
  f.gw.set_fleet(v);
  constexpr int deltas = 20;
  f.gw.set_script([](const completion_request&) {
    std::vector<script_step> s{{5ms, assigned("inst-M")}};
    for (int k = 0; k < deltas; ++k) s.push_back({5ms, delta("t" + std::to_string(k) + " ")});
    std::string all;
    for (int k = 0; k < deltas; ++k) all += "t" + std::to_string(k) + " ";
    s.push_back({5ms, finished(all, "inst-M")});
    return s;
  });
  constexpr int threads = 6;
  constexpr int per_thread = 4;
  std::atomic<int> good{0};
  std::atomic<bool> stop_health{false};
  std::atomic<int> health_ok{0};
  std::atomic<long> worst_health_ms{0};
  std::thread health([&] {
    while (!stop_health) {
      const auto t0 = std::chrono::steady_clock::now();
      auto r = http_call(f.port(), "GET", "/health", "", {}, 5s);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - t0)
                          .count();
      if (r.status == 200) ++health_ok;
      if (ms > worst_health_ms) worst_health_ms = ms;
      std::this_thread::sleep_for(20ms);
    }
  });
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&] {
      for (int k = 0; k < per_thread; ++k) {
        http_connection c(f.port());
        if (!c.send_all(build_request("POST", "/v1/chat/completions", chat_body(true)))) continue;
        auto r = read_stream(c, 20s);
        std::string text;
        std::string id = r.head.header("x-request-id");
        bool same_id = true;
        for (const auto& j : data_events(r)) {
          same_id = same_id && j["id"] == id;
          const auto& delta_obj = j["choices"][0]["delta"];
          if (delta_obj.contains("content")) text += delta_obj["content"].get<std::string>();
        }
        if (r.head.status == 200 && r.ended && same_id && text.size() > 40) ++good;
      }
    });
  }
  for (auto& t : clients) t.join();
  stop_health = true;
  health.join();
  CHECK(good == threads * per_thread);
  CHECK(health_ok > 0);
  CHECK(worst_health_ms < 2000);
  CHECK(wait_until([&] { return f.srv.in_flight() == 0; }, 3s));
}

TEST_CASE("server: keeps serving after garbage and broken requests") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{5ms, finished("fine", "inst-A")}};
  });
  {
    http_connection c(f.port());
    static const char tls_hello[] = "\x16\x03\x01\x02\x00garbage\r\n\r\n";
    c.send_all(std::string(tls_hello, sizeof tls_hello - 1));
    http_response r;
    c.read_head(r, 2s);  // whatever Pistache answers, if anything
  }
  {
    http_connection c(f.port());
    c.send_all("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"mess");
  }  // truncated body, then gone
  {
    http_connection c(f.port());
    c.send_all("GARBAGE / HTTP/1.1\r\n\r\n");
    http_response r;
    c.read_head(r, 2s);
  }
  auto bad_utf8 = http_call(f.port(), "POST", "/v1/chat/completions",
                            "{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}");
  CHECK(bad_utf8.status == 400);
  auto r = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false));
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["choices"][0]["message"]["content"] == "fine");
}

TEST_CASE("server: events delivered inside submit() on the reactor thread work") {
  fixture f;
  f.gw.set_synchronous(true);
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{0ms, assigned("inst-S")}, {0ms, delta("sync")},
                                    {0ms, finished("sync", "inst-S")}};
  });
  auto a = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false));
  CHECK(a.status == 200);
  CHECK(a.header("x-camoufleet-instance") == "inst-S");
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", chat_body(true))));
  auto r = read_stream(c, 5s);
  CHECK(r.head.status == 200);
  CHECK(r.ended);
  CHECK(data_events(r).size() == 3);
}

TEST_CASE("server: admin endpoints translate the fleet view") {
  auto o = test_options();
  o.multi_instance_mode = true;
  fixture f(o);
  f.gw.set_models({{"gemini-2.5-pro", "Gemini 2.5 Pro"}, {"gemini-2.5-flash", "Flash"}});
  fleet_view v;
  instance_view a;
  a.id = "inst-1";
  a.status = instance_status::ready;
  a.auth_file = "a.json";
  instance_view b;
  b.id = "inst-2";
  b.status = instance_status::error;
  v.instances = {a, b};
  v.queue = {queue_entry{"chatcmpl-x", 42}};
  v.queue_limit = 5;
  f.gw.set_fleet(v);

  auto h = http_call(f.port(), "GET", "/health");
  CHECK(h.status == 200);
  auto hj = json::parse(h.body);
  CHECK(hj["multi_instance_mode"] == true);
  CHECK(hj["ready_instances"] == 1);
  CHECK(hj["error_instances"] == 1);
  CHECK(hj["queue_length"] == 1);

  auto m = json::parse(http_call(f.port(), "GET", "/v1/models").body);
  CHECK(m["data"].size() == 2);
  CHECK(m["data"][0]["owned_by"] == "google");
  auto one = http_call(f.port(), "GET", "/v1/models/gemini-2.5-flash");
  CHECK(one.status == 200);
  CHECK(json::parse(one.body)["id"] == "gemini-2.5-flash");
  auto missing = http_call(f.port(), "GET", "/v1/models/gpt-4");
  CHECK(missing.status == 404);
  CHECK(json::parse(missing.body)["error"]["code"] == "model_not_found");

  auto inst = json::parse(http_call(f.port(), "GET", "/v1/instances").body);
  CHECK(inst["total_instances"] == 2);
  CHECK(inst["instances"][0]["auth_file"] == "a.json");
  CHECK(inst["instances"][1]["status"] == "error");

  auto live = http_call(f.port(), "GET", "/health/live");
  CHECK(live.status == 200);
  CHECK(json::parse(live.body)["status"] == "alive");
  auto ready = http_call(f.port(), "GET", "/health/ready");
  CHECK(ready.status == 200);
  CHECK(json::parse(ready.body)["status"] == "ready");

  auto q = json::parse(http_call(f.port(), "GET", "/v1/queue").body);
  CHECK(q["requests"][0]["request_id"] == "chatcmpl-x");
  CHECK(q["limit"] == 5);

  b.status = instance_status::needs_login;
  a.status = instance_status::cooldown;
  v.instances = {a, b};
  f.gw.set_fleet(v);
  CHECK(http_call(f.port(), "GET", "/health").status == 503);
  CHECK(http_call(f.port(), "GET", "/health/ready").status == 503);
  CHECK(http_call(f.port(), "GET", "/health/live").status == 200);
}

TEST_CASE("server: /v1/cancel cancels a running request and 404s an unknown one") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{20s, finished("never", "inst-A")}};
  });
  http_response waiting;
  std::thread client([&] {
    waiting = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false), {}, 10s);
  });
  REQUIRE(wait_until([&] { return f.gw.submitted().size() == 1; }, 3s));
  const auto id = f.gw.submitted()[0].id;
  auto c = http_call(f.port(), "POST", "/v1/cancel/" + id);
  CHECK(c.status == 200);
  CHECK(json::parse(c.body)["cancelled"] == true);
  client.join();
  CHECK(waiting.status == 499);
  CHECK(json::parse(waiting.body)["error"]["code"] == "cancelled");
  CHECK(http_call(f.port(), "POST", "/v1/cancel/chatcmpl-unknown").status == 404);
}

TEST_CASE("server: a request with no end is answered 504 at request_timeout and cancelled") {
  auto o = test_options();
  o.request_timeout = 400ms;
  fixture f(o);
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{5ms, assigned("inst-H")}};  // and then nothing
  });
  auto r = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false), {}, 5s);
  CHECK(r.status == 504);
  CHECK(r.header("x-camoufleet-instance") == "inst-H");
  const auto id = r.header("x-request-id");
  CHECK(wait_until([&] { return f.gw.was_cancelled(id); }, 3s));
}

TEST_CASE("server: shutdown answers what is in flight") {
  auto f = std::make_unique<fixture>();
  f->gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{20s, finished("never", "inst-A")}};
  });
  http_response r;
  std::thread client([&] {
    r = http_call(f->port(), "POST", "/v1/chat/completions", chat_body(false), {}, 10s);
  });
  REQUIRE(wait_until([&] { return f->gw.submitted().size() == 1; }, 3s));
  f->srv.shutdown();
  client.join();
  CHECK(r.status == 503);
  CHECK(json::parse(r.body)["error"]["code"] == "shutting_down");
  CHECK(f->gw.was_cancelled(f->gw.submitted()[0].id));
  f->srv.shutdown();  // idempotent
}

TEST_CASE("server: request ids are unique") {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(http::new_request_id());
  CHECK(ids.size() == 1000);
}

TEST_CASE("server: answers that take longer than Pistache's read timeout still arrive") {
  auto o = test_options();
  o.read_timeout = 300ms;
  o.keep_alive_interval = 200ms;
  fixture f(o);
  f.gw.set_script([](const completion_request& r) {
    if (r.stream)
      return std::vector<script_step>{{10ms, assigned("inst-L")}, {100ms, delta("a")},
                                      {2500ms, delta("b")}, {10ms, finished("ab", "inst-L")}};
    return std::vector<script_step>{{2500ms, finished("slow", "inst-L")}};
  });
  auto r = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false), {}, 10s);
  CHECK(r.status == 200);
  CHECK(r.body.find("slow") != std::string::npos);
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", chat_body(true))));
  auto s = read_stream(c, 10s);
  CHECK(s.head.status == 200);
  CHECK(s.ended);
  CHECK(data_events(s).size() == 4);
}

TEST_CASE("server: drain lets running requests finish and refuses new ones") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{600ms, finished("done in time", "inst-A")}};
  });
  http_response first;
  std::thread client([&] {
    first = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false), {}, 10s);
  });
  REQUIRE(wait_until([&] { return f.gw.submitted().size() == 1; }, 3s));
  std::atomic<bool> drained{false};
  std::thread drainer([&] { drained = f.srv.drain(10s); });
  REQUIRE(wait_until([&] {
    // New work is refused while draining (retry elsewhere / later).
    auto r = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false), {}, 5s);
    return r.status == 503 && !r.header("retry-after").empty();
  }, 3s));
  drainer.join();
  client.join();
  CHECK(drained);
  CHECK(first.status == 200);
  // A probe may slip in before drain() closes the door; drain waited for it too.
  CHECK(f.srv.in_flight() == 0);
}

TEST_CASE("server: a gateway that never answers an admin call gets a 504, not a hang") {
  auto o = test_options();
  o.admin_timeout = 300ms;
  fixture f(o);
  f.gw.set_unresponsive(true);
  auto h = http_call(f.port(), "GET", "/health", "", {}, 5s);
  CHECK(h.status == 504);
  auto m = http_call(f.port(), "GET", "/v1/models", "", {}, 5s);
  CHECK(m.status == 504);
  CHECK(json::parse(m.body)["error"]["code"] == "timeout");
  CHECK(wait_until([&] { return f.srv.in_flight() == 0; }, 2s));
}

TEST_CASE("server: options_from maps the settings") {
  config::settings s;
  s.host = "0.0.0.0";
  s.port = 1234;
  s.http_threads = 3;
  s.max_request_bytes = 777;
  s.api_keys = {"k"};
  s.multi = true;
  s.request_timeout = std::chrono::seconds(100);
  s.queue_timeout = std::chrono::seconds(50);
  auto o = http::options_from(s);
  CHECK(o.host == "0.0.0.0");
  CHECK(o.port == 1234);
  CHECK(o.threads == 3);
  CHECK(o.max_request_bytes == 777);
  CHECK(o.api_keys == std::vector<std::string>{"k"});
  CHECK(o.multi_instance_mode);
  // Above the gateway's own queue + request limits, so those fire first.
  CHECK(o.request_timeout > std::chrono::seconds(150));
}

TEST_CASE("server: start fails loudly on a port that is taken") {
  fixture a;
  auto o = test_options();
  o.port = a.port();
  fake_gateway gw;
  http::server b(o, gw);
  CHECK_THROWS_AS(b.start(), std::runtime_error);
}

TEST_CASE("server: streams with early disconnects under load neither crash nor leak") {
  auto o = test_options();
  o.threads = 2;
  fixture f(o);
  constexpr int deltas = 150;
  f.gw.set_script([](const completion_request&) {
    std::vector<script_step> s{{1ms, assigned("inst-X")}};
    for (int k = 0; k < deltas; ++k) s.push_back({1ms, delta("x")});
    s.push_back({1ms, finished(std::string(deltas, 'x'), "inst-X")});
    return s;
  });
  constexpr int threads = 8;
  constexpr int per_thread = 3;
  std::atomic<int> complete{0};
  std::atomic<int> left_early{0};
  std::vector<std::string> early_ids[threads];
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&, t] {
      for (int k = 0; k < per_thread; ++k) {
        const bool leave = (t + k) % 3 == 0;
        http_connection c(f.port());
        if (!c.send_all(build_request("POST", "/v1/chat/completions", chat_body(true)))) continue;
        int seen = 0;
        auto r = read_stream(c, 20s, [&](const sse_event& e) {
          return leave && !e.comment && ++seen >= 10;
        });
        if (leave) {
          early_ids[t].push_back(r.head.header("x-request-id"));
          ++left_early;
          continue;  // the connection closes here, mid-stream
        }
        std::string text;
        for (const auto& j : data_events(r))
          if (j["choices"].size() == 1 && j["choices"][0]["delta"].contains("content"))
            text += j["choices"][0]["delta"]["content"].get<std::string>();
        if (r.ended && text == std::string(deltas, 'x')) ++complete;
      }
    });
  }
  for (auto& t : clients) t.join();
  CHECK(complete + left_early == threads * per_thread);
  CHECK(left_early > 0);
  for (const auto& ids : early_ids)
    for (const auto& id : ids) {
      INFO(id);
      // Either it was cancelled, or it had already finished before the close was noticed.
      CHECK(wait_until([&] { return f.gw.was_cancelled(id) || f.gw.active() == 0; }, 5s));
    }
  CHECK(wait_until([&] { return f.srv.in_flight() == 0; }, 5s));
  CHECK(http_call(f.port(), "GET", "/v1/nothing").status == 404);  // still serving
}
