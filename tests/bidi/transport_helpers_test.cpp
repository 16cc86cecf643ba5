// The pure parts of the BiDi page transport: what the tab's BiDi events mean
// as page_events, network.getData bodies, typing as key actions, the
// binding preload, the cookie origin. No browser, no socket.
#include <doctest/doctest.h>

#include "browser/bidi/bidi_transport.hpp"
#include "browser/bidi/firefox_session.hpp"

using namespace camoufleet::bidi;
using camoufleet::site::page_event;
using kind = page_event::kind;
using nlohmann::json;

namespace {

json request_event(const std::string& context, const std::string& id, const std::string& url,
                   const std::string& method = "POST") {
  return {{"context", context},
          {"request", {{"request", id}, {"url", url}, {"method", method}}},
          {"redirectCount", 0}};
}

json response_event(const std::string& context, const std::string& id, int status) {
  json e = request_event(context, id, "https://x.example/GenerateContent");
  e["response"] = {{"status", status}, {"url", "https://x.example/GenerateContent"}};
  return e;
}

}  // namespace

TEST_CASE("bidi transport: network events of watched requests become page events, in order") {
  event_mapper m("tab", "GenerateContent");
  auto sent = m.map("network.beforeRequestSent", request_event("tab", "7", "https://x.example/GenerateContent?x"));
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].type == kind::request);
  CHECK(sent[0].request_id == "7");

  auto head = m.map("network.responseStarted", response_event("tab", "7", 200));
  REQUIRE(head.size() == 2);
  CHECK(head[0].type == kind::response);
  CHECK(head[0].status == 200);
  // BiDi has no body streaming: the state machine must hear it at once.
  CHECK(head[1].type == kind::body_unavailable);
  CHECK(head[1].data.find("stream") != std::string::npos);

  auto done = m.map("network.responseCompleted", response_event("tab", "7", 200));
  REQUIRE(done.size() == 1);
  CHECK(done[0].type == kind::finished);
  // Forgotten once finished.
  CHECK(m.map("network.responseCompleted", response_event("tab", "7", 200)).empty());
}

TEST_CASE("bidi transport: other tabs, other URLs, preflights and unknown requests are not reported") {
  event_mapper m("tab", "GenerateContent");
  CHECK(m.map("network.beforeRequestSent", request_event("other", "1", "https://x.example/GenerateContent")).empty());
  CHECK(m.map("network.beforeRequestSent", request_event("tab", "2", "https://x.example/ListModels")).empty());
  CHECK(m.map("network.beforeRequestSent", request_event("tab", "3", "https://x.example/GenerateContent", "OPTIONS"))
            .empty());
  CHECK(m.map("network.responseStarted", response_event("tab", "9", 200)).empty());
  CHECK(m.map("network.fetchError", response_event("tab", "9", 0)).empty());
  CHECK(m.map("network.beforeRequestSent", json::array()).empty());
  CHECK(m.map("script.message", json::object()).empty());

  // An empty url_part watches no request at all.
  event_mapper none("tab", "");
  CHECK(none.map("network.beforeRequestSent", request_event("tab", "1", "https://x.example/GenerateContent")).empty());
}

TEST_CASE("bidi transport: a redirect is one request, a fetch error fails it") {
  event_mapper m("tab", "GenerateContent");
  CHECK(m.map("network.beforeRequestSent", request_event("tab", "5", "https://x.example/GenerateContent")).size() == 1);
  CHECK(m.map("network.responseCompleted", response_event("tab", "5", 302)).empty());
  CHECK(m.map("network.beforeRequestSent", request_event("tab", "5", "https://y.example/GenerateContent")).empty());
  json err = request_event("tab", "5", "https://y.example/GenerateContent");
  err["errorText"] = "NS_ERROR_NET_RESET";
  auto failed = m.map("network.fetchError", err);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].type == kind::failed);
  CHECK(failed[0].data == "NS_ERROR_NET_RESET");
}

TEST_CASE("bidi transport: the tab's navigations and its end, nobody else's") {
  event_mapper m("tab", "");
  auto nav = m.map("browsingContext.navigationCommitted",
                   {{"context", "tab"}, {"navigation", "n1"}, {"url", "https://accounts.example/signin"}});
  REQUIRE(nav.size() == 1);
  CHECK(nav[0].type == kind::navigated);
  CHECK(nav[0].data == "https://accounts.example/signin");
  CHECK(m.map("browsingContext.navigationCommitted", {{"context", "frame"}, {"url", "about:blank"}}).empty());
  auto gone = m.map("browsingContext.contextDestroyed", {{"context", "tab"}, {"url", "x"}});
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].type == kind::crashed);
  CHECK(m.map("browsingContext.contextDestroyed", {{"context", "other"}}).empty());
  // Firefox's crash page taking the tab's place is the tab's loss.
  auto crash = m.map("browsingContext.navigationCommitted",
                     {{"context", "tab"}, {"url", "about:tabcrashed?e=tabcrashed&u=http%3A//x/"}});
  REQUIRE(crash.size() == 1);
  CHECK(crash[0].type == kind::crashed);
  // Every event the mapper reads is one enable() subscribes to.
  CHECK(page_events().size() == 6);
}

TEST_CASE("bidi transport: network.getData bodies, text or base64") {
  CHECK(body_bytes({{"bytes", {{"type", "string"}, {"value", "[[1,2]]"}}}}) == "[[1,2]]");
  CHECK(body_bytes({{"bytes", {{"type", "base64"}, {"value", "aGk="}}}}) == "hi");
  CHECK(body_bytes(json::object()).empty());
}

TEST_CASE("bidi transport: typing is one key per code point, Enter is U+E007") {
  json a = key_actions("a\xC3\xA9\xF0\x9F\x98\x80", true);
  REQUIRE(a.size() == 1);
  CHECK(a[0]["type"] == "key");
  const json& steps = a[0]["actions"];
  REQUIRE(steps.size() == 8);
  CHECK(steps[0] == json{{"type", "keyDown"}, {"value", "a"}});
  CHECK(steps[1] == json{{"type", "keyUp"}, {"value", "a"}});
  CHECK(steps[2]["value"] == "\xC3\xA9");
  CHECK(steps[4]["value"] == "\xF0\x9F\x98\x80");
  CHECK(steps[6]["value"] == "\xEE\x80\x87");
  // Invalid UTF-8 (a lone continuation byte, a truncated sequence) types U+FFFD.
  json bad = key_actions("\x80x\xE2\x82", false);
  const json& b = bad[0]["actions"];
  REQUIRE(b.size() == 8);
  CHECK(b[0]["value"] == "\xEF\xBF\xBD");
  CHECK(b[2]["value"] == "x");
  CHECK(b[4]["value"] == "\xEF\xBF\xBD");
  CHECK(key_actions("", false)[0]["actions"].empty());
}

TEST_CASE("bidi transport: the binding preload names its function safely, the cookie origin") {
  CHECK(binding_declaration("__camoufleet_answer") ==
        "(send) => { window[\"__camoufleet_answer\"] = (payload) => send(String(payload)); }");
  // A quote in the name cannot end the string literal.
  CHECK(binding_declaration("a\"b").find("window[\"a\\\"b\"]") != std::string::npos);

  CHECK(origin_of("https://aistudio.google.com/prompts/new_chat") == "https://aistudio.google.com");
  CHECK(origin_of("http://127.0.0.1:4000/prompts/new_chat?x=1") == "http://127.0.0.1:4000");
  CHECK(origin_of("http://127.0.0.1:4000") == "http://127.0.0.1:4000");
  CHECK(origin_of("about:blank").empty());
}
