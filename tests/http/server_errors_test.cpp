// The real Pistache server against bad clients: keys, unknown routes,
// wrong methods, bad and oversized bodies, garbage on the socket.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;

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

TEST_CASE("server: API keys replaced while serving, never turned on or off") {
  auto o = test_options();
  o.api_keys = {"sk-old"};
  fixture f(o);
  f.gw.set_models({{"gemini-2.5-pro", "Gemini 2.5 Pro"}});
  const auto models_with = [&f](const std::string& key) {
    return http_call(f.port(), "GET", "/v1/models", "", {{"Authorization", "Bearer " + key}})
        .status;
  };
  CHECK(models_with("sk-old") == 200);
  CHECK(f.srv.replace_api_keys({"sk-new", "sk-other"}));
  CHECK(models_with("sk-old") == 401);
  CHECK(models_with("sk-new") == 200);
  CHECK(models_with("sk-other") == 200);
  CHECK_FALSE(f.srv.replace_api_keys({}));  // no keys would open the API
  CHECK(models_with("sk-new") == 200);
  CHECK(http_call(f.port(), "GET", "/v1/models").status == 401);

  fixture open(test_options());
  open.gw.set_models({{"gemini-2.5-pro", "Gemini 2.5 Pro"}});
  CHECK_FALSE(open.srv.replace_api_keys({"sk-late"}));  // started without: stays without
  CHECK(http_call(open.port(), "GET", "/v1/models").status == 200);
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
  const auto check_413 = [](const wire_response& r) {
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
    wire_response r;
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
    wire_response r;
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
    wire_response r;
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

TEST_CASE("server: keeps serving after garbage and broken requests") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{5ms, finished("fine", "inst-A")}};
  });
  {
    http_connection c(f.port());
    static const char tls_hello[] = "\x16\x03\x01\x02\x00garbage\r\n\r\n";
    c.send_all(std::string(tls_hello, sizeof tls_hello - 1));
    wire_response r;
    c.read_head(r, 2s);  // whatever Pistache answers, if anything
  }
  {
    http_connection c(f.port());
    c.send_all("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"mess");
  }  // truncated body, then gone
  {
    http_connection c(f.port());
    c.send_all("GARBAGE / HTTP/1.1\r\n\r\n");
    wire_response r;
    c.read_head(r, 2s);
  }
  auto bad_utf8 = http_call(f.port(), "POST", "/v1/chat/completions",
                            "{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}");
  CHECK(bad_utf8.status == 400);
  auto r = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false));
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["choices"][0]["message"]["content"] == "fine");
}
