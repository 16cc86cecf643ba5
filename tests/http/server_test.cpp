// The real Pistache server on port 0, a scripted fake gateway behind the real
// interface, and a raw-socket client: completions, streamed and not, their
// failures, clients that leave, timeouts.
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

#include "server_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;

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

// JSON replies are written as raw bytes through the peer (not
// ResponseWriter::send, whose chained promise Pistache resolves without its
// lock): the head must still carry the length, the type, and the
// Connection header Pistache put on the writer, and keep-alive must hold.
TEST_CASE("server: a JSON reply's head carries length, type and the request's Connection") {
  fixture f;
  http_connection c(f.port());
  REQUIRE(c.connected());
  for (int i = 0; i < 2; ++i) {
    CAPTURE(i);
    REQUIRE(c.send_all(build_request("GET", "/v1/models", "", {{"Connection", "keep-alive"}})));
    wire_response r;
    REQUIRE(c.read_head(r, 5s));
    REQUIRE(c.read_body(r, 5s));
    CHECK(r.status == 200);
    CHECK(r.header("content-type") == "application/json");
    CHECK(r.header("content-length") == std::to_string(r.body.size()));
    CHECK(r.header("connection") == "Keep-Alive");
    CHECK(json::parse(r.body)["object"] == "list");
  }
  auto closing = http_call(f.port(), "GET", "/v1/models");
  CHECK(closing.status == 200);
  CHECK(closing.header("connection") == "Close");
}
