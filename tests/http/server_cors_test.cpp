// Calls from web pages over the real Pistache server: preflights, refused
// origins, and the CORS headers on answers, errors and streams.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "server_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

void script_hello(fixture& f) {
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{
        {10ms, assigned("inst-A")}, {10ms, delta("Hel")}, {10ms, finished("Hello!", "inst-A")}};
  });
}

}  // namespace

TEST_CASE("server cors: a preflight from a page on this machine is answered before any key") {
  auto o = test_options();
  o.api_keys = {"sk-cors"};
  fixture f(o);
  const auto r =
      http_call(f.port(), "OPTIONS", "/v1/chat/completions", "",
                {{"Origin", "http://localhost:5173"},
                 {"Access-Control-Request-Method", "POST"},
                 {"Access-Control-Request-Headers", "authorization,content-type,x-stainless-os"}});
  CHECK(r.status == 204);
  CHECK(r.body.empty());
  CHECK(r.header("content-length").empty());
  CHECK(r.header("access-control-allow-origin") == "http://localhost:5173");
  CHECK(r.header("access-control-allow-methods") == "GET, POST, OPTIONS");
  CHECK(r.header("access-control-allow-headers") == "authorization, content-type, x-stainless-os");
  CHECK(r.header("access-control-max-age") == "600");
  CHECK(f.gw.submitted().empty());

  // A public page asking for a private network (Chrome's preflight flag).
  const auto pna = http_call(f.port(), "OPTIONS", "/v1/models", "",
                             {{"Origin", "http://127.0.0.1:8080"},
                              {"Access-Control-Request-Method", "GET"},
                              {"Access-Control-Request-Private-Network", "true"}});
  CHECK(pna.status == 204);
  CHECK(pna.header("access-control-allow-private-network") == "true");

  // OPTIONS that is not a preflight is routed as before.
  const auto plain = http_call(f.port(), "OPTIONS", "/v1/chat/completions", "",
                               {{"Authorization", "Bearer sk-cors"}});
  CHECK(plain.status == 405);
  CHECK(plain.header("allow") == "POST");
  CHECK(plain.header("access-control-allow-origin").empty());
}

TEST_CASE("server cors: a page of another site is refused with 403 and nothing runs") {
  fixture f;
  script_hello(f);
  // No preflight needed for a text/plain POST: the server must refuse it itself.
  const auto r =
      http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false),
                {{"Origin", "https://evil.example.net"}, {"Content-Type", "text/plain"}});
  CHECK(r.status == 403);
  const auto e = json::parse(r.body)["error"];
  CHECK(e["code"] == "origin_not_allowed");
  CHECK(e["type"] == "invalid_request_error");
  CHECK(e["message"].get<std::string>().find("--cors-origins https://evil.example.net") !=
        std::string::npos);
  CHECK(r.header("access-control-allow-origin").empty());
  CHECK(f.gw.submitted().empty());

  const auto pre = http_call(
      f.port(), "OPTIONS", "/v1/chat/completions", "",
      {{"Origin", "https://evil.example.net"}, {"Access-Control-Request-Method", "POST"}});
  CHECK(pre.status == 403);
  CHECK(pre.header("access-control-allow-origin").empty());

  // Admin routes too: a page may not restart instances.
  const auto restart = http_call(f.port(), "POST", "/v1/instances/a/restart", "",
                                 {{"Origin", "https://evil.example.net"}});
  CHECK(restart.status == 403);
  CHECK(f.gw.restarted().empty());

  // Without an Origin (SDKs, curl, servers) nothing changes.
  const auto sdk = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false));
  CHECK(sdk.status == 200);
  CHECK(sdk.header("access-control-allow-origin").empty());
}

TEST_CASE("server cors: a listed page gets its answers, errors and streams with CORS headers") {
  auto o = test_options();
  o.api_keys = {"sk-cors"};
  o.cors_origins = {"https://chat.example.com"};
  fixture f(o);
  script_hello(f);
  const std::map<std::string, std::string> page = {{"Origin", "https://chat.example.com"},
                                                   {"Authorization", "Bearer sk-cors"}};

  const auto reply = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false), page);
  CHECK(reply.status == 200);
  CHECK(reply.header("access-control-allow-origin") == "https://chat.example.com");
  CHECK(reply.header("vary") == "Origin");
  CHECK(reply.header("access-control-expose-headers").find("X-Request-Id") != std::string::npos);
  CHECK(json::parse(reply.body)["choices"][0]["message"]["content"] == "Hello!");

  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/chat/completions", chat_body(true), page)));
  const auto s = read_stream(c, 10s);
  CHECK(s.head.status == 200);
  CHECK(s.head.header("content-type").find("text/event-stream") == 0);
  CHECK(s.head.header("access-control-allow-origin") == "https://chat.example.com");
  CHECK(s.ended);
  CHECK_FALSE(data_events(s).empty());

  // A wrong key: the page can read why (the 401 carries the CORS headers).
  auto wrong = page;
  wrong["Authorization"] = "Bearer sk-nope";
  const auto denied = http_call(f.port(), "GET", "/v1/models", "", wrong);
  CHECK(denied.status == 401);
  CHECK(denied.header("access-control-allow-origin") == "https://chat.example.com");

  const auto missing = http_call(f.port(), "GET", "/v1/nothing", "", page);
  CHECK(missing.status == 404);
  CHECK(missing.header("access-control-allow-origin") == "https://chat.example.com");

  // The same site on another port is another origin.
  const auto other =
      http_call(f.port(), "GET", "/health", "", {{"Origin", "https://chat.example.com:8443"}});
  CHECK(other.status == 403);
}

TEST_CASE("server cors: a page reads the 413 of a body over the limit") {
  auto o = test_options();
  o.max_request_bytes = 4096;
  o.cors_origins = {"https://chat.example.com"};
  fixture f(o);
  // Answered from the head, before the body is sent (http/body_guard.hpp):
  // the headers come from the head the parser read, not from a handler.
  const auto head = [](const std::string& origin) {
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:2048\r\nOrigin: " + origin +
           "\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n";
  };
  const auto answer = [&](const std::string& origin) {
    http_connection c(f.port());
    REQUIRE(c.send_all(head(origin) + std::string(100, 'x')));
    wire_response r;
    REQUIRE(c.read_head(r, 5s));
    c.read_body(r, 5s);
    CHECK(r.status == 413);
    CHECK(json::parse(r.body)["error"]["code"] == "request_too_large");
    return r;
  };
  const auto listed = answer("https://chat.example.com");
  CHECK(listed.header("access-control-allow-origin") == "https://chat.example.com");
  CHECK(listed.header("vary") == "Origin");
  CHECK(listed.header("access-control-expose-headers").find("X-Request-Id") != std::string::npos);
  CHECK(answer("http://localhost:5173").header("access-control-allow-origin") ==
        "http://localhost:5173");
  // Another site's page learns nothing it could read.
  CHECK(answer("https://evil.example.net").header("access-control-allow-origin").empty());
  CHECK(f.gw.submitted().empty());
}

TEST_CASE("server cors: the server's own pages (Origin host = Host) need no list") {
  auto o = test_options();
  o.allowed_hosts = {"fleet.example.com"};  // its name behind a proxy (no keys here)
  fixture f(o);
  // The dashboard reached by name: its buttons POST with the page's origin.
  const auto own =
      http_call(f.port(), "GET", "/health/live", "",
                {{"Origin", "http://fleet.example.com:2048"}, {"Host", "fleet.example.com:2048"}});
  CHECK(own.status == 200);
  CHECK(own.header("access-control-allow-origin") == "http://fleet.example.com:2048");
  const auto other =
      http_call(f.port(), "GET", "/health/live", "",
                {{"Origin", "http://evil.example.net"}, {"Host", "fleet.example.com:2048"}});
  CHECK(other.status == 403);
}

TEST_CASE(
    "server hosts: without API keys a name that is not this machine's is refused (DNS rebinding)") {
  fixture f;
  script_hello(f);
  // A page whose own name now points at 127.0.0.1: same-origin to the
  // browser, so no preflight and no Origin on a GET.
  const auto rebound =
      http_call(f.port(), "GET", "/v1/instances", "", {{"Host", "rebind.evil.example:2048"}});
  CHECK(rebound.status == 403);
  const auto e = json::parse(rebound.body)["error"];
  CHECK(e["code"] == "host_not_allowed");
  CHECK(e["message"].get<std::string>().find("--allowed-hosts") != std::string::npos);
  const auto chat = http_call(
      f.port(), "POST", "/v1/chat/completions", chat_body(false),
      {{"Host", "rebind.evil.example:2048"}, {"Origin", "http://rebind.evil.example:2048"}});
  CHECK(chat.status == 403);
  CHECK(f.gw.submitted().empty());

  for (const char* host :
       {"127.0.0.1:2048", "localhost:2048", "fleet.localhost", "192.168.1.20:2048", "[::1]:2048"}) {
    CAPTURE(host);
    CHECK(http_call(f.port(), "GET", "/health/live", "", {{"Host", host}}).status == 200);
  }
}

TEST_CASE("server hosts: listed names, and any name with API keys or beyond loopback") {
  auto listed = test_options();
  listed.allowed_hosts = {"fleet.example.com"};
  fixture a(listed);
  CHECK(http_call(a.port(), "GET", "/health/live", "", {{"Host", "fleet.example.com"}}).status ==
        200);
  CHECK(http_call(a.port(), "GET", "/health/live", "", {{"Host", "other.example.com"}}).status ==
        403);

  auto keyed = test_options();
  keyed.api_keys = {"sk-hosts"};
  fixture b(keyed);
  CHECK(http_call(b.port(), "GET", "/health/live", "", {{"Host", "other.example.com"}}).status ==
        200);
  // The key still decides everything else.
  CHECK(http_call(b.port(), "GET", "/v1/models", "", {{"Host", "other.example.com"}}).status ==
        401);
  // Listening beyond loopback without keys (--allow-open-api): the network
  // is trusted, and containers call by service name.
  auto open_network = test_options();
  open_network.host = "0.0.0.0";
  fixture c(open_network);
  CHECK(http_call(c.port(), "GET", "/health/live", "", {{"Host", "camoufleet:2048"}}).status ==
        200);
}
