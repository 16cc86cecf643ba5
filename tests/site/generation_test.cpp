// The generation state machine without a browser: events and snapshots in,
// deltas / done / failure out, on a clock the test moves by hand.
#include "site/generation.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace camoufleet::site;
using camoufleet::core::failure_kind;
using std::chrono::milliseconds;
using clock_type = generation::clock;

namespace {

// The answer "Hello" in one chunk, then the finish/usage chunk.
const std::string body =
    "[[[[[[[null,\"Hel\"]],\"model\"]]]],"
    "[[[[[[null,\"lo\"]],\"model\"]]]],"
    "[[[[[[null,\"\"]],\"model\"],1]],null,[7,2,9]]"
    "]";

site_profile test_site() {
  site_profile s = load_site_profile("");
  s.timeouts.first_token = milliseconds(1000);
  s.timeouts.idle = milliseconds(500);
  s.timeouts.stream_start = milliseconds(300);
  s.timeouts.poll_interval = milliseconds(50);
  return s;
}

page_event ev(page_event::kind k, std::string data = {}, int status = 0,
              std::string id = "r1") {
  page_event e;
  e.type = k;
  e.request_id = std::move(id);
  e.data = std::move(data);
  e.status = status;
  return e;
}

struct fixture {
  site_profile site = test_site();
  clock_type::time_point t0 = clock_type::time_point() + std::chrono::hours(1);
  dom_snapshot before;
  generation g{site, before, t0, t0 + milliseconds(10000), milliseconds(10000)};
  clock_type::time_point at(int ms) const { return t0 + milliseconds(ms); }
};

std::string text_of(const generation_step& s) {
  std::string out;
  for (const auto& d : s.deltas) out += d.content;
  return out;
}

// The two calls the function-calling cases make: get_weather(Paris), get_time().
void check_weather_then_time(const camoufleet::core::generation_result& r) {
  CHECK(r.content.empty());
  CHECK(r.finish_reason == "tool_calls");
  REQUIRE(r.tool_calls.size() == 2);
  CHECK(r.tool_calls[0].name == "get_weather");
  CHECK(r.tool_calls[0].arguments == R"({"city":"Paris"})");
  CHECK(r.tool_calls[1].name == "get_time");
  CHECK(r.tool_calls[1].arguments == "{}");
}

failure_kind kind_of(const generation_step& s) {
  REQUIRE(s.failure.has_value());
  return s.failure->kind();
}

}  // namespace

TEST_CASE("generation: the network stream gives deltas, then done with usage") {
  fixture f;
  CHECK_FALSE(f.g.on_event(ev(page_event::kind::request), f.at(10)).done);
  CHECK_FALSE(f.g.on_event(ev(page_event::kind::response, {}, 200), f.at(20)).failure);
  auto s1 = f.g.on_event(ev(page_event::kind::body, body.substr(0, 40)), f.at(30));
  auto s2 = f.g.on_event(ev(page_event::kind::body, body.substr(40)), f.at(40));
  CHECK(text_of(s1) + text_of(s2) == "Hello");
  CHECK_FALSE(s2.done);  // the body is complete, the request not yet
  auto s3 = f.g.on_event(ev(page_event::kind::finished), f.at(50));
  CHECK(s3.done);
  CHECK_FALSE(f.g.dom_mode());
  auto r = f.g.result();
  CHECK(r.content == "Hello");
  CHECK(r.finish_reason == "stop");
  CHECK(r.prompt_tokens == 7);
  CHECK(r.completion_tokens == 2);
}

TEST_CASE("generation: a fetch cancelled after the closing bracket is still complete") {
  fixture f;
  f.g.on_event(ev(page_event::kind::request), f.at(10));
  f.g.on_event(ev(page_event::kind::body, body), f.at(20));
  CHECK(f.g.on_event(ev(page_event::kind::failed, "net::ERR_ABORTED"), f.at(30)).done);
}

TEST_CASE("generation: a stream that ends or fails early is a site error") {
  fixture f;
  f.g.on_event(ev(page_event::kind::request), f.at(10));
  f.g.on_event(ev(page_event::kind::body, body.substr(0, 40)), f.at(20));
  SUBCASE("finished") {
    CHECK(kind_of(f.g.on_event(ev(page_event::kind::finished), f.at(30))) ==
          failure_kind::site_error);
  }
  SUBCASE("failed, with what was seen in the message") {
    auto s = f.g.on_event(ev(page_event::kind::failed, "net::ERR_FAILED"), f.at(30));
    CHECK(kind_of(s) == failure_kind::site_error);
    CHECK(std::string(s.failure->what()).find("net::ERR_FAILED") != std::string::npos);
  }
  // A failure is final.
  CHECK(f.g.tick(f.at(40)).failure.has_value());
}

// Another call of the page met the lost login: the page leaves for its
// sign-in page, which cancels the answer request before its response.
TEST_CASE("generation: a request that fails before any response waits for where the page goes") {
  fixture f;
  f.site.timeouts.failure_settle = milliseconds(400);
  generation g{f.site, f.before, f.t0, f.t0 + milliseconds(10000), milliseconds(10000)};
  g.on_event(ev(page_event::kind::request), f.at(10));
  auto held = g.on_event(ev(page_event::kind::failed, "TypeError"), f.at(20));
  CHECK_FALSE(held.failure.has_value());
  CHECK_FALSE(held.done);
  CHECK_FALSE(g.snapshot_due(f.at(100)));  // a page on its way out is not looked at
  CHECK_FALSE(g.tick(f.at(419)).failure.has_value());
  SUBCASE("the sign-in navigation that follows is login_lost") {
    CHECK(kind_of(g.on_event(ev(page_event::kind::navigated,
                                "https://accounts.google.com/ServiceLogin?continue=x"),
                             f.at(200))) == failure_kind::login_lost);
  }
  SUBCASE("a late 401 is login_lost") {
    CHECK(kind_of(g.on_event(ev(page_event::kind::response, {}, 401), f.at(200))) ==
          failure_kind::login_lost);
  }
  SUBCASE("nothing follows: a site error once the grace is over, with what failed") {
    CHECK(g.on_event(ev(page_event::kind::body, body), f.at(200)).deltas.empty());
    auto s = g.tick(f.at(420));
    CHECK(kind_of(s) == failure_kind::site_error);
    CHECK(std::string(s.failure->what()).find("TypeError") != std::string::npos);
    CHECK(std::string(s.failure->what()).find("no body") != std::string::npos);
  }
}

TEST_CASE("generation: HTTP statuses map to failure kinds") {
  fixture f;
  f.g.on_event(ev(page_event::kind::request), f.at(10));
  int status = 0;
  failure_kind want = failure_kind::site_error;
  SUBCASE("429") { status = 429; want = failure_kind::rate_limited; }
  SUBCASE("401") { status = 401; want = failure_kind::login_lost; }
  SUBCASE("403") { status = 403; want = failure_kind::login_lost; }
  SUBCASE("500") { status = 500; want = failure_kind::site_error; }
  CHECK(kind_of(f.g.on_event(ev(page_event::kind::response, {}, status), f.at(20))) == want);
}

TEST_CASE("generation: first-token, idle and total timeouts") {
  fixture f;
  SUBCASE("nothing ever starts") {
    f.g.on_event(ev(page_event::kind::request), f.at(10));
    CHECK_FALSE(f.g.tick(f.at(400)).failure);  // the request itself counts as progress
    auto s = f.g.tick(f.at(1100));
    CHECK(kind_of(s) == failure_kind::timeout);
    CHECK(std::string(s.failure->what()) == "no answer started in time");
  }
  SUBCASE("the answer stalls after its first piece") {
    f.g.on_event(ev(page_event::kind::request), f.at(10));
    REQUIRE(text_of(f.g.on_event(ev(page_event::kind::body, body.substr(0, 40)), f.at(100))) ==
            "Hel");
    CHECK_FALSE(f.g.tick(f.at(550)).failure);
    auto s = f.g.tick(f.at(650));
    CHECK(kind_of(s) == failure_kind::timeout);
    CHECK(std::string(s.failure->what()) == "the answer stalled");
  }
  SUBCASE("the whole budget runs out while pieces keep coming") {
    generation g(f.site, f.before, f.t0, f.t0 + milliseconds(300), milliseconds(300));
    g.on_event(ev(page_event::kind::request), f.at(10));
    g.on_event(ev(page_event::kind::body, body.substr(0, 40)), f.at(200));
    auto s = g.tick(f.at(300));
    CHECK(kind_of(s) == failure_kind::timeout);
    CHECK(std::string(s.failure->what()) == "no complete answer within 300 ms");
  }
}

TEST_CASE("generation: no answer request in time falls back to the DOM") {
  fixture f;
  dom_snapshot snap;
  snap.url = "https://aistudio.google.com/prompts/new_chat";
  CHECK(f.g.snapshot_due(f.at(0)));
  CHECK_FALSE(f.g.on_snapshot(snap, f.at(100)).failure);
  CHECK_FALSE(f.g.dom_mode());
  auto s = f.g.on_snapshot(snap, f.at(300));
  CHECK(f.g.dom_mode());
  CHECK(s.note.find("following the DOM") != std::string::npos);
  // A late request is not followed any more.
  f.g.on_event(ev(page_event::kind::request), f.at(310));
  CHECK_FALSE(f.g.stream_seen());
  snap.turns = 1;
  snap.text = "Hel";
  CHECK(text_of(f.g.on_snapshot(snap, f.at(350))) == "Hel");
  snap.text = "Hello";
  snap.reasoning = "hmm";
  auto grown = f.g.on_snapshot(snap, f.at(400));
  CHECK(text_of(grown) == "lo");
  REQUIRE(grown.deltas.size() == 2);
  CHECK(grown.deltas[0].reasoning == "hmm");
  CHECK_FALSE(grown.done);
  // The page re-rendered; its final word wins.
  snap.text = "Hello!";
  snap.finished = true;
  auto last = f.g.on_snapshot(snap, f.at(450));
  CHECK(last.done);
  CHECK(f.g.result().content == "Hello!");
}

TEST_CASE("generation: followed in the DOM, the calls the turn shows are the tool calls") {
  fixture f;
  f.g.on_event(ev(page_event::kind::request), f.at(10));
  f.g.on_event(ev(page_event::kind::body_unavailable, "not supported"), f.at(20));
  dom_snapshot snap;
  snap.turns = 1;
  snap.calls = {{"get_weather", R"({"city": "Paris"})"}};
  CHECK_FALSE(f.g.on_snapshot(snap, f.at(100)).done);  // read when the turn is finished
  snap.calls.push_back({"get_time", ""});
  snap.finished = true;
  REQUIRE(f.g.on_snapshot(snap, f.at(200)).done);
  auto r = f.g.result();
  check_weather_then_time(r);
}

TEST_CASE("generation: a body that cannot be followed switches to the DOM") {
  fixture f;
  f.g.on_event(ev(page_event::kind::request), f.at(10));
  auto s = f.g.on_event(ev(page_event::kind::body_unavailable, "not supported"), f.at(20));
  CHECK(f.g.dom_mode());
  CHECK(s.note.find("not supported") != std::string::npos);
  // Network events no longer decide anything.
  CHECK_FALSE(f.g.on_event(ev(page_event::kind::finished), f.at(30)).failure);
  CHECK_FALSE(f.g.done());
}

TEST_CASE("generation: the stream is checked less often than the DOM fallback") {
  fixture f;
  f.g.on_event(ev(page_event::kind::request), f.at(10));
  dom_snapshot snap;
  f.g.on_snapshot(snap, f.at(20));
  CHECK_FALSE(f.g.snapshot_due(f.at(120)));
  CHECK(f.g.snapshot_due(f.at(170)));
}

TEST_CASE("generation: an error shown late waits for the HTTP status, then fails") {
  fixture f;
  f.g.on_event(ev(page_event::kind::request), f.at(10));
  dom_snapshot snap;
  snap.toast = "You exceeded your current quota";
  CHECK_FALSE(f.g.on_snapshot(snap, f.at(100)).failure);  // grace: 10 poll intervals
  SUBCASE("the status comes and is the more precise word") {
    CHECK(kind_of(f.g.on_event(ev(page_event::kind::response, {}, 429), f.at(150))) ==
          failure_kind::rate_limited);
  }
  SUBCASE("no status: the page's word after the grace") {
    CHECK_FALSE(f.g.on_snapshot(snap, f.at(500)).failure);
    CHECK(kind_of(f.g.on_snapshot(snap, f.at(600))) == failure_kind::quota_exceeded);
  }
}

TEST_CASE("generation: an error the page showed before Run is not this answer's") {
  fixture base;
  dom_snapshot before;
  before.toast = "old toast";
  generation g(base.site, before, base.t0, base.t0 + milliseconds(10000), milliseconds(10000));
  dom_snapshot snap;
  snap.toast = "old toast";
  CHECK_FALSE(g.on_snapshot(snap, base.at(100)).failure);
  snap.toast = "Something went wrong";
  CHECK(kind_of(g.on_snapshot(snap, base.at(150))) == failure_kind::site_error);
}

TEST_CASE("generation: login loss mid-answer") {
  fixture f;
  f.g.on_event(ev(page_event::kind::request), f.at(10));
  REQUIRE(text_of(f.g.on_event(ev(page_event::kind::body, body.substr(0, 40)), f.at(20))) ==
          "Hel");
  SUBCASE("the main frame navigates to the sign-in page") {
    auto s = f.g.on_event(
        ev(page_event::kind::navigated, "https://accounts.google.com/v3/signin/identifier"),
        f.at(30));
    CHECK(kind_of(s) == failure_kind::login_lost);
  }
  SUBCASE("the DOM shows a sign-in URL") {
    dom_snapshot snap;
    snap.url = "https://accounts.google.com/ServiceLogin?continue=x";
    CHECK(kind_of(f.g.on_snapshot(snap, f.at(30))) == failure_kind::login_lost);
  }
  SUBCASE("another navigation is a site error, a crash is browser_gone") {
    CHECK(kind_of(f.g.on_event(ev(page_event::kind::navigated, "https://example.com/"),
                               f.at(30))) == failure_kind::site_error);
  }
}

TEST_CASE("generation: a crashed tab is browser_gone, events of other requests are ignored") {
  fixture f;
  f.g.on_event(ev(page_event::kind::request), f.at(10));
  CHECK(f.g.on_event(ev(page_event::kind::body, body, 0, "other"), f.at(20)).deltas.empty());
  CHECK(kind_of(f.g.on_event(ev(page_event::kind::crashed, {}, 0, ""), f.at(30))) ==
        failure_kind::browser_gone);
}

TEST_CASE("generation: an error pair in the body fails with its kind when the request finishes") {
  for (const auto& [body, kind] :
       std::vector<std::pair<std::string, failure_kind>>{
           {"[[8,\"Resource has been exhausted (e.g. check quota).\"]]", failure_kind::rate_limited},
           {"[[16,\"Request is missing required authentication credential.\"]]",
            failure_kind::login_lost}}) {
    fixture f;
    f.g.on_event(ev(page_event::kind::request), f.at(10));
    f.g.on_event(ev(page_event::kind::response, {}, 200), f.at(20));
    f.g.on_event(ev(page_event::kind::body, body), f.at(30));
    auto s = f.g.on_event(ev(page_event::kind::finished), f.at(40));
    CAPTURE(body);
    CHECK_FALSE(s.done);
    CHECK(kind_of(s) == kind);
  }
}

TEST_CASE("generation: an error pair still fails when the page cancels its request after reading it") {
  fixture f;
  f.g.on_event(ev(page_event::kind::request), f.at(10));
  f.g.on_event(ev(page_event::kind::body, "[[8,\"Resource has been exhausted\"]]"), f.at(20));
  auto s = f.g.on_event(ev(page_event::kind::failed, "net::ERR_ABORTED"), f.at(30));
  CHECK(kind_of(s) == failure_kind::rate_limited);
}

TEST_CASE("generation: function-call parts become tool calls with finish_reason tool_calls") {
  fixture f;
  // Two calls (the first repeated by a later chunk, as the site does), then stop.
  const std::string calls =
      "[[[[[[[null,null,null,null,null,null,null,null,null,null,"
      "[\"get_weather\",[[[\"city\",[null,null,\"Paris\"]]]]]]],\"model\"]]]],"
      "[[[[[[null,null,null,null,null,null,null,null,null,null,[\"get_time\"]]],\"model\"]]]],"
      "[[[[[[null,null,null,null,null,null,null,null,null,null,"
      "[\"get_weather\",[[[\"city\",[null,null,\"Paris\"]]]]]]],\"model\"]]]],"
      "[[[[[[null,\"\"]],\"model\"],1]],null,[7,2,9]]"
      "]";
  f.g.on_event(ev(page_event::kind::request), f.at(10));
  f.g.on_event(ev(page_event::kind::response, {}, 200), f.at(20));
  f.g.on_event(ev(page_event::kind::body, calls), f.at(30));
  REQUIRE(f.g.on_event(ev(page_event::kind::finished), f.at(40)).done);
  auto r = f.g.result();
  check_weather_then_time(r);
  CHECK(r.tool_calls[0].id.rfind("call_", 0) == 0);
  CHECK(r.tool_calls[0].id.size() == 29);
  CHECK(r.tool_calls[0].id != r.tool_calls[1].id);
}
