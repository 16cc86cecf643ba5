// The BiDi codec: framing, reply/error/event classification, value conversions.
#include <doctest/doctest.h>

#include "browser/bidi/codec.hpp"

using namespace camoufleet::bidi;
using camoufleet::core::driver_error;
using camoufleet::core::failure_kind;
using camoufleet::browser::incoming_message;
using nlohmann::json;

TEST_CASE("codec: a command is {id, method, params}") {
  json j = json::parse(encode_command(7, "session.new", {{"capabilities", json::object()}}));
  CHECK(j == json{{"id", 7}, {"method", "session.new"}, {"params", {{"capabilities", json::object()}}}});
  CHECK(json::parse(encode_command(1, "browser.close", nullptr))["params"] == json::object());
}

TEST_CASE("codec: a success reply") {
  message m = decode(R"({"type":"success","id":3,"result":{"sessionId":"s"}})");
  REQUIRE(m.type == message::kind::success);
  CHECK(m.has_id);
  CHECK(m.id == 3);
  CHECK(m.result == json{{"sessionId", "s"}});
}

TEST_CASE("codec: an error reply keeps the BiDi error code") {
  message m = decode(
      R"({"type":"error","id":4,"error":"no such frame","message":"Browsing Context with id nope not found","stacktrace":"x@y"})");
  REQUIRE(m.type == message::kind::error);
  CHECK(m.id == 4);
  CHECK(m.error_code == "no such frame");
  CHECK(m.error_message == "Browsing Context with id nope not found");
  CHECK(m.stacktrace == "x@y");

  message unparsable = decode(R"({"type":"error","id":null,"error":"invalid argument","message":"bad"})");
  CHECK(unparsable.type == message::kind::error);
  CHECK_FALSE(unparsable.has_id);
}

TEST_CASE("codec: an event") {
  message m = decode(R"({"type":"event","method":"script.message","params":{"channel":"c"}})");
  REQUIRE(m.type == message::kind::event);
  CHECK(m.method == "script.message");
  CHECK(m.params["channel"] == "c");
  CHECK(decode(R"({"type":"event","method":"log.entryAdded"})").params == json::object());
}

TEST_CASE("codec: malformed frames are invalid, never thrown") {
  CHECK(decode("not json").type == message::kind::invalid);
  CHECK(decode("[1,2]").type == message::kind::invalid);
  CHECK(decode(R"({"id":1,"result":{}})").invalid_reason == "no \"type\"");  // a CDP reply
  CHECK(decode(R"({"type":"success","id":"1"})").type == message::kind::invalid);
  CHECK(decode(R"({"type":"event"})").type == message::kind::invalid);
  CHECK(decode(R"({"type":"weird"})").invalid_reason == "unknown type \"weird\"");
}

TEST_CASE("codec: result_or_throw returns a result or throws bidi::error with the code") {
  CHECK(result_or_throw("m", json::parse(R"({"type":"success","id":1,"result":{"a":1}})")) == json{{"a", 1}});
  try {
    result_or_throw("bogus.cmd", json::parse(R"({"type":"error","id":2,"error":"unknown command","message":"bogus.cmd"})"));
    FAIL("no throw");
  } catch (const error& e) {
    CHECK(e.code() == "unknown command");
    CHECK(e.method() == "bogus.cmd");
    CHECK(e.kind() == failure_kind::site_error);
    CHECK(std::string(e.what()) == "bogus.cmd: unknown command: bogus.cmd");
  }
}

TEST_CASE("codec: through the connection codec, replies keep their whole frame") {
  auto codec = bidi_framing();
  CHECK(json::parse(codec.encode(5, "a.b", json::object(), "")) ==
        json{{"id", 5}, {"method", "a.b"}, {"params", json::object()}});

  incoming_message ok = codec.decode(R"({"type":"success","id":9,"result":{"x":1}})");
  REQUIRE(ok.type == incoming_message::kind::reply);
  CHECK(ok.id == 9);
  CHECK_FALSE(ok.is_error);
  CHECK(result_or_throw("a.b", ok.result) == json{{"x", 1}});

  incoming_message err = codec.decode(R"({"type":"error","id":10,"error":"no such script","message":"gone"})");
  REQUIRE(err.type == incoming_message::kind::reply);
  CHECK(err.id == 10);
  CHECK_THROWS_AS(result_or_throw("a.b", err.result), error);

  incoming_message ev = codec.decode(R"({"type":"event","method":"script.message","params":{"channel":"c"}})");
  REQUIRE(ev.type == incoming_message::kind::event);
  CHECK(ev.method == "script.message");

  CHECK(codec.decode(R"({"type":"error","id":null,"error":"invalid argument","message":"m"})").type ==
        incoming_message::kind::invalid);
  CHECK(codec.decode("{").type == incoming_message::kind::invalid);
}

TEST_CASE("codec: plain JSON to LocalValue") {
  CHECK(to_local_value(nullptr) == json{{"type", "null"}});
  CHECK(to_local_value(true) == json{{"type", "boolean"}, {"value", true}});
  CHECK(to_local_value(2.5) == json{{"type", "number"}, {"value", 2.5}});
  CHECK(to_local_value("s") == json{{"type", "string"}, {"value", "s"}});
  CHECK(to_local_value(json::array({1, "x"})) ==
        json::parse(R"({"type":"array","value":[{"type":"number","value":1},{"type":"string","value":"x"}]})"));
  CHECK(to_local_value(json{{"k", json::array()}}) ==
        json::parse(R"({"type":"object","value":[["k",{"type":"array","value":[]}]]})"));
}

TEST_CASE("codec: RemoteValue to plain JSON") {
  // What firefox-esr 153 returned for ({s:5, arr:[1,"x",null], n:NaN}).
  json remote = json::parse(
      R"({"type":"object","value":[["s",{"type":"number","value":5}],["arr",{"type":"array","value":[{"type":"number","value":1},{"type":"string","value":"x"},{"type":"null"}]}],["n",{"type":"number","value":"NaN"}]]})");
  CHECK(from_remote_value(remote) == json::parse(R"({"s":5,"arr":[1,"x",null],"n":null})"));
  CHECK(from_remote_value(json{{"type", "undefined"}}).is_null());
  CHECK(from_remote_value(json{{"type", "number"}, {"value", "-0"}}) == 0);
  CHECK(from_remote_value(json{{"type", "bigint"}, {"value", "12345678901234567890"}}) == "12345678901234567890");
  CHECK(from_remote_value(json::parse(R"({"type":"map","value":[[{"type":"number","value":1},{"type":"string","value":"one"}]]})")) ==
        json{{"1", "one"}});
  CHECK(from_remote_value(json::parse(R"({"type":"set","value":[{"type":"boolean","value":false}]})")) ==
        json::array({false}));
  CHECK(from_remote_value(json::parse(R"({"type":"regexp","value":{"pattern":"a+","flags":"g"}})")) == "/a+/g");
  CHECK(from_remote_value(json{{"type", "node"}, {"sharedId", "x"}}) == json{{"type", "node"}});
  CHECK(from_remote_value("garbage").is_null());
}

TEST_CASE("codec: the session URL of an endpoint") {
  CHECK(session_url("ws://127.0.0.1:4444") == "ws://127.0.0.1:4444/session");
  CHECK(session_url("ws://127.0.0.1:4444/") == "ws://127.0.0.1:4444/session");
  CHECK(session_url("ws://127.0.0.1:4444/session") == "ws://127.0.0.1:4444/session");
  CHECK(session_url("ws://[::1]:9/session/") == "ws://[::1]:9/session");
  CHECK_THROWS_AS(session_url("http://127.0.0.1:4444"), driver_error);
  CHECK_THROWS_AS(session_url("ws://127.0.0.1:4444/devtools/browser/x"), driver_error);
}
