// CDP framing, id matching, event decoding, error mapping, expiry and
// fail-all: pure logic, no sockets.
#include <doctest/doctest.h>

#include <vector>

#include "browser/cdp/connection.hpp"
#include "browser/cdp/protocol.hpp"

using namespace camoufleet::browser;
using namespace camoufleet::browser::cdp;
using nlohmann::json;
using clock_type = pending_table::clock;
using namespace std::chrono_literals;

TEST_CASE("encode_command writes id, method, params and sessionId only when given") {
  json a = json::parse(encode_command(7, "Runtime.evaluate", {{"expression", "1+1"}}));
  CHECK(a["id"] == 7);
  CHECK(a["method"] == "Runtime.evaluate");
  CHECK(a["params"]["expression"] == "1+1");
  CHECK_FALSE(a.contains("sessionId"));

  json b = json::parse(encode_command(8, "Page.enable", json(), "S1"));
  CHECK(b["sessionId"] == "S1");
  CHECK(b["params"].is_object());
  CHECK(b["params"].empty());
}

TEST_CASE("encode_command survives invalid UTF-8 in params") {
  std::string bad = "ok\xff\xfe";
  json j = json::parse(encode_command(1, "Input.insertText", {{"text", bad}}));
  CHECK(j["params"]["text"].get<std::string>().rfind("ok", 0) == 0);
}

TEST_CASE("decode_message tells replies, errors and events apart") {
  auto r = decode_message(R"({"id":3,"result":{"product":"Chrome/156"},"sessionId":"S"})");
  CHECK(r.type == incoming_message::kind::reply);
  CHECK(r.id == 3);
  CHECK_FALSE(r.is_error);
  CHECK(r.result["product"] == "Chrome/156");
  CHECK(r.session_id == "S");

  auto e = decode_message(R"({"id":4,"error":{"code":-32601,"message":"'Foo.bar' wasn't found","data":"x"}})");
  CHECK(e.type == incoming_message::kind::reply);
  CHECK(e.is_error);
  CHECK(e.error_code == -32601);
  CHECK(e.error_message == "'Foo.bar' wasn't found (x)");

  auto ev = decode_message(R"({"method":"Page.loadEventFired","params":{"timestamp":1.5},"sessionId":"AB"})");
  CHECK(ev.type == incoming_message::kind::event);
  CHECK(ev.method == "Page.loadEventFired");
  CHECK(ev.params["timestamp"] == 1.5);
  CHECK(ev.session_id == "AB");

  auto ev2 = decode_message(R"({"method":"Target.detached"})");
  CHECK(ev2.type == incoming_message::kind::event);
  CHECK(ev2.params.is_object());
  CHECK(ev2.session_id.empty());

  auto empty_result = decode_message(R"({"id":5})");
  CHECK(empty_result.type == incoming_message::kind::reply);
  CHECK(empty_result.result.is_object());
}

TEST_CASE("decode_message never throws on garbage") {
  CHECK(decode_message("not json").type == incoming_message::kind::invalid);
  CHECK(decode_message("[1,2]").type == incoming_message::kind::invalid);
  CHECK(decode_message(R"({"id":"x"})").type == incoming_message::kind::invalid);
  CHECK(decode_message(R"({"foo":1})").type == incoming_message::kind::invalid);
  CHECK(decode_message("").type == incoming_message::kind::invalid);
}

namespace {
struct recorder {
  std::vector<std::pair<std::int64_t, command_outcome>> done;
  pending_table::completion for_id(std::int64_t* id) {
    return [this, id](command_outcome&& o) { done.emplace_back(*id, std::move(o)); };
  }
};
}  // namespace

TEST_CASE("pending_table matches replies by id, in any order, once") {
  pending_table t;
  recorder rec;
  auto far = clock_type::now() + 1h;
  std::int64_t a = 0, b = 0;
  a = t.add("Browser.getVersion", far, rec.for_id(&a));
  b = t.add("Target.getTargets", far, rec.for_id(&b));
  CHECK(a != b);
  CHECK(t.size() == 2);

  CHECK(t.complete(decode_message(R"({"id":)" + std::to_string(b) + R"(,"result":{"targetInfos":[]}})")));
  REQUIRE(rec.done.size() == 1);
  CHECK(rec.done[0].first == b);
  CHECK(rec.done[0].second.ok);
  CHECK(rec.done[0].second.result.contains("targetInfos"));

  CHECK(t.complete(decode_message(R"({"id":)" + std::to_string(a) + R"(,"result":{"product":"p"}})")));
  REQUIRE(rec.done.size() == 2);
  CHECK(rec.done[1].first == a);
  CHECK(rec.done[1].second.result["product"] == "p");

  // A second reply for the same id (or an unknown one) is ignored.
  CHECK_FALSE(t.complete(decode_message(R"({"id":)" + std::to_string(a) + R"(,"result":{}})")));
  CHECK(rec.done.size() == 2);
  CHECK(t.empty());
}

TEST_CASE("pending_table maps a CDP error to site_error with the method name") {
  pending_table t;
  recorder rec;
  std::int64_t id = 0;
  id = t.add("DOM.querySelector", clock_type::now() + 1h, rec.for_id(&id));
  t.complete(decode_message(R"({"id":)" + std::to_string(id) +
                            R"(,"error":{"code":-32000,"message":"Could not find node with given id"}})"));
  REQUIRE(rec.done.size() == 1);
  const auto& out = rec.done[0].second;
  CHECK_FALSE(out.ok);
  CHECK(out.kind == failure_kind::site_error);
  CHECK(out.message == "DOM.querySelector: Could not find node with given id");
  auto err = to_driver_error(out);
  CHECK(err.kind() == failure_kind::site_error);
  CHECK(std::string(err.what()) == out.message);
}

TEST_CASE("pending_table expires by deadline and reports the earliest deadline") {
  pending_table t;
  recorder rec;
  auto t0 = clock_type::now();
  std::int64_t a = 0, b = 0, c = 0;
  a = t.add("A", t0 + 100ms, rec.for_id(&a));
  b = t.add("B", t0 + 300ms, rec.for_id(&b));
  c = t.add("C", t0 + 50ms, rec.for_id(&c));
  REQUIRE(t.next_deadline());
  CHECK(*t.next_deadline() == t0 + 50ms);

  CHECK(t.expire(t0 + 10ms) == 0);
  CHECK(t.expire(t0 + 100ms) == 2);  // C and A; deadline == now counts as due
  REQUIRE(rec.done.size() == 2);
  for (auto& [id, out] : rec.done) {
    CHECK(id != b);
    CHECK(out.kind == failure_kind::timeout);
    CHECK_FALSE(out.ok);
  }
  CHECK(rec.done[0].second.message.find("no reply in time") != std::string::npos);
  CHECK(*t.next_deadline() == t0 + 300ms);

  // A reply arriving after its command timed out is dropped.
  CHECK_FALSE(t.complete(decode_message(R"({"id":)" + std::to_string(a) + R"(,"result":{}})")));
  CHECK(t.size() == 1);
}

TEST_CASE("pending_table fails everything with browser_gone on close") {
  pending_table t;
  recorder rec;
  std::int64_t a = 0, b = 0;
  a = t.add("Page.navigate", clock_type::now() + 1h, rec.for_id(&a));
  b = t.add("Runtime.evaluate", clock_type::now() + 1h, rec.for_id(&b));
  CHECK(t.fail_all("the browser closed the connection") == 2);
  REQUIRE(rec.done.size() == 2);
  for (auto& [id, out] : rec.done) {
    CHECK(out.kind == failure_kind::browser_gone);
    CHECK(out.message.find("the browser closed the connection") != std::string::npos);
  }
  CHECK(rec.done[0].second.message.rfind("Page.navigate: ", 0) == 0);
  CHECK(t.empty());
  CHECK_FALSE(t.next_deadline());
  CHECK(t.fail_all("again") == 0);
}

TEST_CASE("pending_table handlers may add commands while being completed") {
  pending_table t;
  int completions = 0;
  t.add("first", clock_type::now() + 1h, [&](command_outcome&&) {
    ++completions;
    t.add("second", clock_type::now() + 1h, [&](command_outcome&&) { ++completions; });
  });
  t.fail_all("closed");
  CHECK(completions == 1);
  CHECK(t.size() == 1);  // the command added during fail_all waits for its own end
  t.fail_all("closed");
  CHECK(completions == 2);
}

TEST_CASE("parse_ws_url splits host, port and target") {
  auto p = parse_ws_url("ws://127.0.0.1:9222/devtools/browser/abc-def");
  CHECK(p.host == "127.0.0.1");
  CHECK(p.port == "9222");
  CHECK(p.target == "/devtools/browser/abc-def");
  auto q = parse_ws_url("ws://[::1]:9333/devtools/browser/x");
  CHECK(q.host == "::1");
  CHECK(q.port == "9333");
  auto r = parse_ws_url("ws://localhost");
  CHECK(r.port == "80");
  CHECK(r.target == "/");
  CHECK_THROWS_AS(parse_ws_url("http://127.0.0.1:9222/"), driver_error);
  CHECK_THROWS_AS(parse_ws_url("ws://:9222/x"), driver_error);
  CHECK_THROWS_AS(parse_ws_url("ws://host:12ab/x"), driver_error);
}

TEST_CASE("failure kinds have stable names") {
  CHECK(std::string(to_string(failure_kind::login_lost)) == "login_lost");
  CHECK(std::string(to_string(failure_kind::rate_limited)) == "rate_limited");
  CHECK(std::string(to_string(failure_kind::quota_exceeded)) == "quota_exceeded");
  CHECK(std::string(to_string(failure_kind::site_error)) == "site_error");
  CHECK(std::string(to_string(failure_kind::timeout)) == "timeout");
  CHECK(std::string(to_string(failure_kind::browser_gone)) == "browser_gone");
  CHECK(std::string(to_string(failure_kind::cancelled)) == "cancelled");
  CHECK(std::string(to_string(failure_kind::invalid_profile)) == "invalid_profile");
}

TEST_CASE("pending_table fails one session's commands at once, the browser's and others' wait on") {
  pending_table t;
  recorder rec;
  auto far = clock_type::now() + 1h;
  std::int64_t a = 0, b = 0, c = 0, d = 0;
  a = t.add("Runtime.evaluate", far, rec.for_id(&a), "S1");
  b = t.add("Target.getTargets", far, rec.for_id(&b));
  c = t.add("Page.navigate", far, rec.for_id(&c), "S2");
  d = t.add("Input.insertText", far, rec.for_id(&d), "S1");

  CHECK(t.fail_session("S1", "the tab crashed") == 2);
  REQUIRE(rec.done.size() == 2);
  for (const auto& [id, out] : rec.done) {
    CHECK((id == a || id == d));
    CHECK_FALSE(out.ok);
    CHECK(out.kind == camoufleet::core::failure_kind::browser_gone);
  }
  CHECK(rec.done[0].second.message == "Runtime.evaluate: the tab crashed");
  CHECK(t.size() == 2);
  CHECK(t.fail_session("S1", "again") == 0);
  // The others still complete normally.
  CHECK(t.complete(decode_message(R"({"id":)" + std::to_string(c) + R"(,"result":{}})")));
  CHECK(t.complete(decode_message(R"({"id":)" + std::to_string(b) + R"(,"result":{}})")));
  CHECK(rec.done.size() == 4);
  CHECK(t.empty());
}
