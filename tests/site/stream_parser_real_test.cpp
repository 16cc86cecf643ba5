// The GenerateContent parser against bodies in the real site's form
// (sim/fixtures/, written from ../shared/FACTS.md section 1): the chunk list
// wrapped twice, a trailing metadata element, usage in every chunk.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "site/json_scanner.hpp"
#include "site/stream_parser.hpp"
#include "sim/stream_format.hpp"
#include "test_support.hpp"

using namespace camoufleet::site;
using camoufleet::testing::sim_fixture;

namespace {

struct reading {
  std::string text;
  std::string reasoning;
  std::size_t deltas = 0;
};

void add(reading& r, const std::vector<delta>& ds) {
  for (const auto& d : ds) {
    r.text += d.content;
    r.reasoning += d.reasoning;
    ++r.deltas;
  }
}

const std::vector<std::string> fixtures = {"thinking-stream.json", "max-tokens.json",
                                           "blocked.json", "rate-limited-pair.json",
                                           "function-call.json"};

}  // namespace

TEST_CASE("stream_parser real form: a thinking answer gives text, reasoning, finish and usage") {
  const auto body = sim_fixture("thinking-stream.json");
  stream_parser p;
  reading r;
  add(r, p.feed(body));
  CHECK(p.done());
  CHECK(r.reasoning ==
        "**Considering the request**\n\nThe user wants a short greeting; I'll keep it friendly.");
  CHECK(r.text ==
        "Hello there! Here is a \"quoted\" word, a backslash \\ , and some unicode: h\xc3\xa9llo "
        "\xe2\x80\x94 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x9a\x80.\n\n* one\n* two");
  CHECK(p.finish_reason() == "stop");
  CHECK(p.chunks() == 8);  // 2 thoughts, 5 texts, the signature chunk; not the metadata
  REQUIRE(p.usage().present);
  CHECK(p.usage().prompt_tokens == 12);
  CHECK(p.usage().reasoning_tokens == 14);
  CHECK(p.usage().completion_tokens == 15 + 14);  // candidates + thoughts
  CHECK(p.usage().total_tokens == 12 + 15 + 14);
  CHECK(p.function_calls().empty());
  CHECK(p.stream_error().empty());
}

TEST_CASE("stream_parser real form: each chunk's deltas come out when its bracket closes") {
  const auto body = sim_fixture("thinking-stream.json");
  // The simulator replays a capture split after each chunk-list element: the
  // same boundaries the site's own writes have.
  const auto pieces = camoufleet::sim::split_body(body);
  REQUIRE(pieces.size() == 9);  // 8 chunks, the last piece holds the metadata and `]]`
  stream_parser p;
  reading r;
  for (std::size_t k = 0; k + 1 < pieces.size(); ++k) {
    // Byte by byte: nothing comes out before the chunk's last byte.
    const auto& piece = pieces[k];
    const std::size_t before = r.deltas;
    for (std::size_t i = 0; i + 1 < piece.size(); ++i) add(r, p.feed(piece.substr(i, 1)));
    CHECK(r.deltas == before);
    add(r, p.feed(piece.substr(piece.size() - 1)));
    CAPTURE(k);
    // Thoughts and texts each make one delta; the signature chunk none.
    CHECK(r.deltas == before + (k < 7 ? 1 : 0));
    CHECK(p.chunks() == k + 1);
  }
  CHECK_FALSE(p.done());
  add(r, p.feed(pieces.back()));
  CHECK(p.done());
  CHECK(p.finish_reason() == "stop");
}

TEST_CASE("stream_parser real form: every fixture split at every byte reads the same") {
  for (const auto& name : fixtures) {
    const auto body = sim_fixture(name);
    stream_parser whole;
    reading want;
    add(want, whole.feed(body));
    for (std::size_t cut = 0; cut <= body.size(); ++cut) {
      stream_parser p;
      reading got;
      add(got, p.feed(std::string_view(body).substr(0, cut)));
      add(got, p.feed(std::string_view(body).substr(cut)));
      CAPTURE(name);
      CAPTURE(cut);
      REQUIRE(got.text == want.text);
      REQUIRE(got.reasoning == want.reasoning);
      REQUIRE(p.finish_reason() == whole.finish_reason());
      REQUIRE(p.usage().total_tokens == whole.usage().total_tokens);
      REQUIRE(p.done());
    }
  }
}

TEST_CASE("stream_parser real form: the driver's reading equals the site page's reading") {
  // sim::decode_stream reads a body as the site's page does (fixed layout,
  // written from the facts); the driver finds the list by shape.
  for (const auto& name : fixtures) {
    const auto body = sim_fixture(name);
    const auto page = camoufleet::sim::decode_stream(body);
    stream_parser p;
    reading r;
    add(r, p.feed(body));
    CAPTURE(name);
    CHECK(r.text == page.text);
    CHECK(r.reasoning == page.reasoning);
    CHECK(p.function_calls().size() == static_cast<std::size_t>(page.function_calls));
    CHECK(p.stream_error_code() == page.error_code);
    if (p.usage().present) {
      CHECK(p.usage().prompt_tokens == page.prompt_tokens);
      CHECK(p.usage().completion_tokens == page.candidates_tokens + page.thoughts_tokens);
      CHECK(p.usage().total_tokens == page.total_tokens);
    }
  }
}

TEST_CASE("stream_parser real form: max tokens, blocked, function call, error pair") {
  {
    stream_parser p;
    p.feed(sim_fixture("max-tokens.json"));
    CHECK(p.finish_reason() == "length");
    CHECK(p.usage().completion_tokens == 9);
  }
  {
    stream_parser p;
    reading r;
    add(r, p.feed(sim_fixture("blocked.json")));
    CHECK(r.text == "I can");
    CHECK(p.finish_reason() == "content_filter");
    CHECK(p.blocked_message().find("prohibited content") != std::string::npos);
  }
  {
    stream_parser p;
    reading r;
    add(r, p.feed(sim_fixture("function-call.json")));
    CHECK(r.deltas == 0);  // neither the call nor the thought signature is text
    REQUIRE(p.function_calls().size() == 1);
    CHECK(p.function_calls()[0].rfind("[\"get_weather\",", 0) == 0);
    CHECK(p.finish_reason() == "stop");
  }
  {
    stream_parser p;
    reading r;
    add(r, p.feed(sim_fixture("rate-limited-pair.json")));
    CHECK(r.deltas == 0);
    CHECK(p.done());
    CHECK(p.stream_error_code() == 8);
    CHECK(p.stream_error_kind() == failure_kind::rate_limited);
  }
}

TEST_CASE("stream_parser: error pairs and error objects map to failure kinds") {
  struct expectation {
    std::string body;
    failure_kind kind;
  };
  const std::vector<expectation> cases = {
      {"[[16,\"Request is missing required authentication credential.\"]]",
       failure_kind::login_lost},
      {"[16,\"Request is missing required authentication credential.\"]",
       failure_kind::login_lost},
      {"[[8,\"Resource has been exhausted\"]]", failure_kind::rate_limited},
      {"[[13,\"Internal error encountered.\"]]", failure_kind::site_error},
      {"{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\"}}", failure_kind::rate_limited},
      {"[{\"error\":{\"code\":500,\"status\":\"INTERNAL\"}}]", failure_kind::site_error},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    stream_parser p;
    p.feed(c.body);
    CHECK(p.done());
    CHECK_FALSE(p.stream_error().empty());
    CHECK(p.stream_error_kind() == c.kind);
  }
}

TEST_CASE("stream_parser: the site file's error kinds are honoured") {
  wire_format w;
  w.error_kinds = {{7, "login_lost"}};
  stream_parser p(w);
  p.feed("[[7,\"The caller does not have permission\"]]");
  CHECK(p.stream_error_kind() == failure_kind::login_lost);
}

TEST_CASE("json_scanner: containers are reported with depth as they close") {
  json_scanner s;
  std::vector<std::string> seen;
  auto cb = [&](std::size_t depth, char open, std::string_view text) {
    seen.push_back(std::to_string(depth) + open + std::string(text));
    return false;
  };
  s.feed(R"([[1,{"a":[2]}],)", cb);
  CHECK(seen == std::vector<std::string>{"3[[2]", "2{{\"a\":[2]}", "1[[1,{\"a\":[2]}]"});
  CHECK_FALSE(s.done());
  s.feed(" \"x]\" ]  ", cb);
  CHECK(s.done());
  CHECK(seen.back() == "0[[[1,{\"a\":[2]}], \"x]\" ]");
}

TEST_CASE("json_scanner: a consumed container's bytes are let go") {
  json_scanner s;
  std::size_t closes_at_zero = 0;
  auto cb = [&](std::size_t depth, char, std::string_view) {
    if (depth == 0) ++closes_at_zero;
    return depth == 2;  // consume the chunks
  };
  s.feed("[[[1],[2]]]", cb);
  CHECK(s.done());
  CHECK(closes_at_zero == 0);  // the document's own bytes were dropped with its chunks
}

TEST_CASE("json_scanner: malformed documents are refused") {
  const std::vector<std::string> bad = {"[1 2]", "[1,]", "{\"a\" 1}", "{\"a\":}", "[tru]",
                                        "[01]",  "[1.]", "[\"\\x\"]", "[\"a\nb\"]", "[1]]",
                                        "{1:2}", "[-]",  ")]}[1]",   "7"};
  for (const auto& b : bad) {
    CAPTURE(b);
    json_scanner s;
    CHECK_THROWS_AS(s.feed(b, [](std::size_t, char, std::string_view) { return false; }),
                    json_scan_error);
  }
  json_scanner ok;
  ok.feed(")]}'\n[1.5e3, -0, true, false, null, \"\\u00e9\", {\"k\": []}]",
          [](std::size_t, char, std::string_view) { return false; });
  CHECK(ok.done());
}
