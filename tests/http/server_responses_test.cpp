// POST /v1/responses over the real Pistache server with a scripted gateway:
// the same request reaches the gateway as a chat completion would, and the
// answer, stream and errors come back in the Responses API's shape.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string responses_body(bool stream) {
  return json({{"model", "gemini-2.5-pro"},
               {"instructions", "Be brief."},
               {"input", json::array({{{"role", "user"}, {"content", "Say hello"}}})},
               {"stream", stream}})
      .dump();
}

std::vector<script_step> hello_script() {
  return {{10ms, assigned("inst-A")},
          {10ms, delta("", "Greeting.")},
          {10ms, delta("Hel")},
          {10ms, finished("Hello!", "inst-A")}};
}

}  // namespace

TEST_CASE("server responses: a reply is a response object, from the same request") {
  fixture f;
  f.gw.set_script([](const completion_request&) { return hello_script(); });
  const auto r = http_call(f.port(), "POST", "/v1/responses", responses_body(false));
  REQUIRE(r.status == 200);
  const std::string id = r.header("x-request-id");
  CHECK(id.rfind("resp_", 0) == 0);
  CHECK(r.header("x-camoufleet-instance") == "inst-A");
  const auto j = json::parse(r.body);
  CHECK(j["id"] == id);
  CHECK(j["object"] == "response");
  CHECK(j["status"] == "completed");
  CHECK(j["instructions"] == "Be brief.");
  const auto& message = j["output"].back();
  CHECK(message["type"] == "message");
  CHECK(message["content"][0]["text"] == "Hello!");
  CHECK(j["usage"]["input_tokens"] == 11);
  CHECK(j["usage"]["output_tokens"] == 3);

  const auto sent = f.gw.submitted();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].id == id);
  REQUIRE(sent[0].messages.size() == 2);
  CHECK(sent[0].messages[0].role == "system");
  CHECK(sent[0].messages[1].content == "Say hello");
  CHECK_FALSE(sent[0].stream);
}

TEST_CASE("server responses: a stream of named events, ended by response.completed") {
  fixture f;
  f.gw.set_script([](const completion_request&) { return hello_script(); });
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/responses", responses_body(true))));
  const auto s = read_stream(c, 10s);
  REQUIRE(s.head.status == 200);
  CHECK(s.head.header("content-type").find("text/event-stream") == 0);
  CHECK(s.ended);
  std::vector<std::string> names;
  std::string text;
  json last;
  for (const auto& e : s.events) {
    if (e.comment) continue;  // keep-alives and the instance comment
    CHECK(e.data != "[DONE]");
    const auto j = json::parse(e.data);
    CHECK(j["type"] == e.event);
    names.push_back(e.event);
    if (e.event == "response.output_text.delta") text += j["delta"].get<std::string>();
    last = j;
  }
  REQUIRE(names.size() >= 4);
  CHECK(names[0] == "response.created");
  CHECK(names.back() == "response.completed");
  CHECK(text == "Hello!");
  CHECK(last["response"]["id"] == s.head.header("x-request-id"));
  CHECK(last["response"]["output"][0]["type"] == "reasoning");
  CHECK(last["response"]["output"][0]["summary"][0]["text"] == "Greeting.");
  CHECK(last["response"]["output"][1]["content"][0]["text"] == "Hello!");
}

TEST_CASE("server responses: errors before and after the start") {
  fixture f;
  SUBCASE("an answer it does not remember: 400 naming the field, nothing submitted") {
    const auto r = http_call(f.port(), "POST", "/v1/responses",
                             R"({"input":"hi","previous_response_id":"resp_123"})");
    CHECK(r.status == 400);
    const auto e = json::parse(r.body)["error"];
    CHECK(e["param"] == "previous_response_id");
    CHECK(e["type"] == "invalid_request_error");
    CHECK(f.gw.submitted().empty());
  }
  SUBCASE("refused before any output: a real status, as on the chat route") {
    f.gw.set_script([](const completion_request&) {
      return std::vector<script_step>{{10ms, failed(error_code::queue_full, "queue is full", 9)}};
    });
    const auto r = http_call(f.port(), "POST", "/v1/responses", responses_body(true));
    CHECK(r.status == 429);
    CHECK(r.header("retry-after") == "9");
    CHECK(json::parse(r.body)["error"]["code"] == "rate_limit_exceeded");
  }
  SUBCASE("failing mid-stream: an error event, then response.failed") {
    f.gw.set_script([](const completion_request&) {
      return std::vector<script_step>{
          {10ms, assigned("inst-C")},
          {10ms, delta("partial")},
          {10ms, failed(error_code::browser_gone, "browser exited", 0, "inst-C")}};
    });
    http_connection c(f.port());
    REQUIRE(c.send_all(build_request("POST", "/v1/responses", responses_body(true))));
    const auto s = read_stream(c, 10s);
    REQUIRE(s.head.status == 200);
    CHECK(s.ended);
    std::vector<sse_event> named;
    for (const auto& e : s.events)
      if (!e.comment) named.push_back(e);
    REQUIRE(named.size() >= 2);
    CHECK(named[named.size() - 2].event == "error");
    CHECK(json::parse(named[named.size() - 2].data)["code"] == "browser_gone");
    CHECK(named.back().event == "response.failed");
    CHECK(json::parse(named.back().data)["response"]["status"] == "failed");
  }
  SUBCASE("the route takes POST only") {
    const auto r = http_call(f.port(), "GET", "/v1/responses", "");
    CHECK(r.status == 405);
    CHECK(r.header("allow") == "POST");
    CHECK(http_call(f.port(), "PUT", "/v1/responses/resp_1", "").header("allow") == "GET, DELETE");
  }
}

TEST_CASE("server responses: remembered answers are continued, read back and deleted") {
  fixture f;
  f.gw.set_script([](const completion_request& q) {
    // The answer names how many turns the page was given.
    return std::vector<script_step>{
        {10ms, finished("turns=" + std::to_string(q.messages.size()), "inst-A")}};
  });
  const auto ask = [&](const std::string& body) {
    const auto r = http_call(f.port(), "POST", "/v1/responses", body);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  };
  const auto first = ask(R"({"input":"one"})");
  const std::string id = first["id"];
  CHECK(first["store"] == true);
  const auto second =
      ask(R"({"previous_response_id":")" + id + R"(","input":"two","stream":false})");
  CHECK(second["output"][0]["content"][0]["text"] == "turns=3");  // one, its answer, two
  CHECK(second["previous_response_id"] == id);
  // Streamed answers are remembered too.
  http_connection c(f.port());
  REQUIRE(
      c.send_all(build_request("POST", "/v1/responses",
                               R"({"previous_response_id":")" + second["id"].get<std::string>() +
                                   R"(","input":"three","stream":true})")));
  const auto s = read_stream(c, 10s);
  REQUIRE(s.head.status == 200);
  const std::string third = s.head.header("x-request-id");
  const auto fourth = ask(R"({"previous_response_id":")" + third + R"(","input":"four"})");
  CHECK(fourth["output"][0]["content"][0]["text"] == "turns=7");

  const auto got = http_call(f.port(), "GET", "/v1/responses/" + id, "");
  CHECK(got.status == 200);
  CHECK(json::parse(got.body) == first);
  // Its own input, named; paged by the URL's parameters.
  const auto items = http_call(f.port(), "GET", "/v1/responses/" + third + "/input_items", "");
  REQUIRE(items.status == 200);
  const auto listed = json::parse(items.body);
  REQUIRE(listed["data"].size() == 1);
  CHECK(listed["data"][0]["content"][0]["text"] == "three");
  CHECK(listed["data"][0]["id"] == "msg_" + third.substr(5) + "_in0");
  const auto bad =
      http_call(f.port(), "GET", "/v1/responses/" + third + "/input_items?order=up&limit=2", "");
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body)["error"]["param"] == "order");
  CHECK(http_call(f.port(), "GET", "/v1/responses/resp_none/input_items", "").status == 404);
  const auto del = http_call(f.port(), "DELETE", "/v1/responses/" + id, "");
  CHECK(del.status == 200);
  CHECK(json::parse(del.body)["deleted"] == true);
  CHECK(http_call(f.port(), "GET", "/v1/responses/" + id, "").status == 404);
  CHECK(http_call(f.port(), "DELETE", "/v1/responses/" + id, "").status == 404);

  // store: false is not remembered.
  const auto unkept = ask(R"({"input":"secret","store":false})");
  CHECK(unkept["store"] == false);
  CHECK(http_call(f.port(), "GET", "/v1/responses/" + unkept["id"].get<std::string>(), "").status ==
        404);
}

TEST_CASE("server responses: --responses-store-mb 0 remembers nothing") {
  auto o = test_options();
  o.responses_store_bytes = 0;
  fixture f(o);
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{10ms, finished("ok", "inst-A")}};
  });
  const auto r = http_call(f.port(), "POST", "/v1/responses", R"({"input":"one"})");
  REQUIRE(r.status == 200);
  const auto j = json::parse(r.body);
  CHECK(j["store"] == false);
  const auto next = http_call(
      f.port(), "POST", "/v1/responses",
      R"({"previous_response_id":")" + j["id"].get<std::string>() + R"(","input":"two"})");
  CHECK(next.status == 400);
  CHECK(http_call(f.port(), "GET", "/v1/responses/" + j["id"].get<std::string>(), "").status ==
        404);
}

TEST_CASE("server responses: cancelled by its response id") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{
        {10ms, assigned("inst-A")}, {10ms, delta("Hel")}, {10s, finished("Hello!", "inst-A")}};
  });
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/responses", responses_body(true))));
  // The id is in the head; cancel while the answer is still coming.
  const auto s = read_stream(
      c, 10s, [](const sse_event& e) { return e.event == "response.output_text.delta"; });
  REQUIRE(s.head.status == 200);
  const std::string id = s.head.header("x-request-id");
  REQUIRE(id.rfind("resp_", 0) == 0);
  const auto cancel = http_call(f.port(), "POST", "/v1/cancel/" + id, "");
  CHECK(cancel.status == 200);
  CHECK(wait_until([&] { return f.gw.was_cancelled(id); }, 5s));
}
