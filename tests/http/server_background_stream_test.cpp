// POST /v1/responses with both `background` and `stream` over the real
// Pistache server with a scripted gateway: the stream comes as it goes,
// its events are kept, and GET /v1/responses/{id}?stream=true reads them
// again, whole or after a sequence number, live while the answer runs
// (http/background.cpp, http/event_log.*).
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

const std::string body =
    R"({"model":"gemini-2.5-pro","input":"Say hello","background":true,"stream":true})";

std::vector<script_step> slow_hello(std::chrono::milliseconds gap) {
  return {{10ms, assigned("inst-A")}, {10ms, delta("", "Greeting.")},
          {10ms, delta("Hel")},       {gap, delta("lo")},
          {gap, delta("!")},          {gap, finished("Hello!", "inst-A")}};
}

// The events left on a stream whose head was read, to its end (or the deadline).
std::vector<sse_event> read_rest(http_connection& c, std::chrono::milliseconds timeout,
                                 std::vector<sse_event> events = {}) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string buffer;
  while (std::chrono::steady_clock::now() < deadline) {
    auto chunk = c.next_chunk(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!chunk) break;
    buffer += *chunk;
    for (auto& e : parse_sse(buffer)) events.push_back(e);
  }
  return events;
}

// The named events (no comments), parsed.
std::vector<json> named(const std::vector<sse_event>& events) {
  std::vector<json> out;
  for (const auto& e : events)
    if (!e.comment) out.push_back(json::parse(e.data));
  return out;
}

std::string text_of(const std::vector<json>& events) {
  std::string text;
  for (const auto& e : events)
    if (e["type"] == "response.output_text.delta") text += e["delta"].get<std::string>();
  return text;
}

stream_result read_again(int port, const std::string& id, const std::string& query) {
  http_connection c(port);
  REQUIRE(c.send_all(build_request("GET", "/v1/responses/" + id + "?stream=true" + query, "")));
  return read_stream(c, 10s);
}

bool is_delta(const sse_event& e) {
  return e.event == "response.output_text.delta";
}

}  // namespace

TEST_CASE("server background stream: streamed as it comes, read again whole or after a number") {
  fixture f;
  f.gw.set_script([](const completion_request&) { return slow_hello(10ms); });
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/responses", body)));
  const auto s = read_stream(c, 10s);
  REQUIRE(s.head.status == 200);
  CHECK(s.ended);
  const std::string id = s.head.header("x-request-id");
  const auto first = data_events(s);
  REQUIRE(first.size() > 6);
  CHECK(first[0]["type"] == "response.created");
  CHECK(first[0]["response"]["status"] == "queued");
  CHECK(first[0]["response"]["background"] == true);
  CHECK(first[1]["type"] == "response.queued");
  CHECK(first[2]["type"] == "response.in_progress");
  CHECK(first.back()["type"] == "response.completed");
  for (std::size_t i = 0; i < first.size(); ++i) CHECK(first[i]["sequence_number"] == i);
  CHECK(text_of(first) == "Hello!");

  // Read again from the start: the same events; after 3: the rest of them.
  const auto whole = read_again(f.port(), id, "");
  CHECK(whole.head.status == 200);
  CHECK(whole.head.header("content-type").find("text/event-stream") == 0);
  CHECK(whole.ended);
  CHECK(data_events(whole) == first);
  const auto rest = read_again(f.port(), id, "&starting_after=3");
  CHECK(rest.ended);
  CHECK(data_events(rest) == std::vector<json>(first.begin() + 4, first.end()));
  const auto none = read_again(f.port(), id, "&starting_after=" + std::to_string(first.size() - 1));
  CHECK(none.ended);
  CHECK(data_events(none).empty());

  // /metrics counts the response and its kept events.
  const auto metrics = http_call(f.port(), "GET", "/metrics", "").body;
  CHECK(metrics.find("\ncamoufleet_responses_kept 1\n") != std::string::npos);
  CHECK(metrics.find("\ncamoufleet_response_streams_kept 1\n") != std::string::npos);

  // The kept object is the one the last event carried.
  const auto kept = http_call(f.port(), "GET", "/v1/responses/" + id, "");
  REQUIRE(kept.status == 200);
  CHECK(json::parse(kept.body) == first.back()["response"]);
  CHECK(json::parse(kept.body)["status"] == "completed");
}

TEST_CASE(
    "server background stream: its client goes away, the answer goes on, readers pick it up live") {
  fixture f;
  f.gw.set_script([](const completion_request&) { return slow_hello(400ms); });
  std::string id;
  long long seen = -1;
  {
    http_connection c(f.port());
    REQUIRE(c.send_all(build_request("POST", "/v1/responses", body)));
    const auto s = read_stream(c, 10s, is_delta);
    REQUIRE(s.head.status == 200);
    id = s.head.header("x-request-id");
    const auto got = data_events(s);
    REQUIRE_FALSE(got.empty());
    CHECK(got.back()["delta"] == "Hel");
    seen = got.back()["sequence_number"].get<long long>();
  }  // the connection closes here, mid-answer

  // One reader carries on after what was seen, one reads from the start;
  // both join while the answer still runs.
  http_connection after(f.port()), from_start(f.port());
  REQUIRE(after.send_all(build_request(
      "GET", "/v1/responses/" + id + "?stream=true&starting_after=" + std::to_string(seen), "")));
  REQUIRE(from_start.send_all(build_request("GET", "/v1/responses/" + id + "?stream=true", "")));
  wire_response head_after, head_start;
  REQUIRE(after.read_head(head_after, 10s));
  REQUIRE(from_start.read_head(head_start, 10s));
  CHECK(head_after.status == 200);
  CHECK(head_start.status == 200);
  const auto later = named(read_rest(after, 10s));
  const auto all = named(read_rest(from_start, 10s));
  CHECK(after.ended());
  CHECK(from_start.ended());
  REQUIRE_FALSE(later.empty());
  CHECK(later.front()["sequence_number"] == seen + 1);
  CHECK(text_of(later) == "lo!");
  CHECK(text_of(all) == "Hello!");
  CHECK(later.back()["type"] == "response.completed");
  REQUIRE_FALSE(all.empty());
  CHECK(all.back() == later.back());
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i]["sequence_number"] == i);
  CHECK_FALSE(f.gw.was_cancelled(id));
}

TEST_CASE("server background stream: cancelled mid-answer, every stream of it ends") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{
        {10ms, assigned("inst-A")}, {10ms, delta("Hel")}, {30s, finished("Hello!", "inst-A")}};
  });
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/responses", body)));
  const auto s = read_stream(c, 10s, is_delta);
  REQUIRE(s.head.status == 200);
  const std::string id = s.head.header("x-request-id");
  http_connection reader(f.port());
  REQUIRE(reader.send_all(build_request("GET", "/v1/responses/" + id + "?stream=true", "")));
  const auto r = read_stream(reader, 10s, is_delta);
  REQUIRE(r.head.status == 200);

  const auto cancel = http_call(f.port(), "POST", "/v1/responses/" + id + "/cancel", "");
  REQUIRE(cancel.status == 200);
  CHECK(json::parse(cancel.body)["status"] == "cancelled");
  // Both streams end, with no further event (there is none for a cancel).
  CHECK(named(read_rest(c, 10s)).empty());
  CHECK(c.ended());
  CHECK(named(read_rest(reader, 10s)).empty());
  CHECK(reader.ended());
  CHECK(wait_until([&] { return f.gw.was_cancelled(id); }, 5s));
  // Read again later: what was sent, and the stream ends.
  const auto again = read_again(f.port(), id, "");
  CHECK(again.ended);
  CHECK(data_events(again) == data_events(s));
}

TEST_CASE("server background stream: what cannot be streamed again") {
  fixture f;
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{10ms, finished("Hello!", "inst-A")}};
  });
  const auto param_of = [](const wire_response& r) {
    return json::parse(r.body)["error"]["param"].get<std::string>();
  };
  CHECK(http_call(f.port(), "GET", "/v1/responses/resp_none?stream=true", "").status == 404);

  // Kept, but never streamed in the background: polled only.
  const auto polled =
      http_call(f.port(), "POST", "/v1/responses", R"({"input":"hi","background":true})");
  REQUIRE(polled.status == 200);
  const std::string id = json::parse(polled.body)["id"];
  const auto refused = http_call(f.port(), "GET", "/v1/responses/" + id + "?stream=true", "");
  CHECK(refused.status == 400);
  CHECK(param_of(refused) == "stream");
  CHECK(refused.body.find("both 'background' and 'stream'") != std::string::npos);
  const auto plain =
      http_call(f.port(), "POST", "/v1/responses", R"({"input":"hi","stream":true})");
  REQUIRE(plain.status == 200);
  const std::string streamed = plain.header("x-request-id");
  CHECK(http_call(f.port(), "GET", "/v1/responses/" + streamed + "?stream=true", "").status == 400);
  CHECK(http_call(f.port(), "GET", "/v1/responses/" + streamed + "?stream=false", "").status ==
        200);

  const auto maybe = http_call(f.port(), "GET", "/v1/responses/" + id + "?stream=maybe", "");
  CHECK(maybe.status == 400);
  CHECK(param_of(maybe) == "stream");
  const auto bad =
      http_call(f.port(), "GET", "/v1/responses/" + id + "?stream=true&starting_after=x", "");
  CHECK(bad.status == 400);
  CHECK(param_of(bad) == "starting_after");
}

TEST_CASE("server background stream: kept for a while after the end, and within the budget") {
  auto o = test_options();
  SUBCASE("let go once stream_kept_for has passed; the object stays") {
    o.stream_kept_for = 200ms;
    fixture f(o);
    f.gw.set_script([](const completion_request&) { return slow_hello(10ms); });
    http_connection c(f.port());
    REQUIRE(c.send_all(build_request("POST", "/v1/responses", body)));
    const auto s = read_stream(c, 10s);
    REQUIRE(s.ended);
    const std::string id = s.head.header("x-request-id");
    CHECK(wait_until(
        [&] {
          return http_call(f.port(), "GET", "/v1/responses/" + id + "?stream=true", "").status ==
                 400;
        },
        10s));
    CHECK(http_call(f.port(), "GET", "/v1/responses/" + id, "").status == 200);
  }
  SUBCASE("over the budget, the oldest ended stream goes first") {
    o.responses_store_bytes = 24 * 1024;
    fixture f(o);
    const std::string long_text(3000, 'x');
    f.gw.set_script([&](const completion_request&) {
      return std::vector<script_step>{{10ms, assigned("inst-A")},
                                      {10ms, delta(long_text)},
                                      {10ms, finished(long_text, "inst-A")}};
    });
    std::vector<std::string> ids;
    for (int i = 0; i < 4; ++i) {
      http_connection c(f.port());
      REQUIRE(c.send_all(build_request("POST", "/v1/responses", body)));
      const auto s = read_stream(c, 10s);
      REQUIRE(s.ended);
      ids.push_back(s.head.header("x-request-id"));
    }
    // Each stream's events hold the text five times (the delta, text done,
    // part done, item done, the completed response): ~16 KB, so only the
    // newest fits in 24 KB.
    CHECK(wait_until(
        [&] {
          return http_call(f.port(), "GET", "/v1/responses/" + ids[0] + "?stream=true", "")
                     .status != 200;
        },
        10s));
    const auto newest = read_again(f.port(), ids[3], "");
    CHECK(newest.head.status == 200);
    CHECK(text_of(data_events(newest)) == long_text);
  }
}
