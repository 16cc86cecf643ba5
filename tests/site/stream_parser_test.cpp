#include "site/stream_parser.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

using namespace camoufleet::site;

namespace {

// A body in the older, once-wrapped form (still accepted): reasoning, text
// with escapes and multi-byte UTF-8, then the finish/usage chunk.
const std::string sample_body =
    "[[[[[[[null,\"Thinking\",null,null,null,null,null,null,null,null,null,null,1]],\"model\"]]]],"
    "[[[[[[null,\" about\",null,null,null,null,null,null,null,null,null,null,1]],\"model\"]]]]\n,"
    "[[[[[[null,\"Hel\"]],\"model\"]]]],"
    "[[[[[[null,\"lo \\\"w\\u00f6rld\\\" \\\\ \"]],\"model\"]]]],"
    "[[[[[[null,\"\xe2\x82\xac\xf0\x9f\x98\x80 [x], {y}\"]],\"model\"]]]],"
    "[[[[[[null,\"\"]],\"model\"],1]],null,[12,40,52]]"
    "]";

const std::string expected_text = "Hello \"w\xc3\xb6rld\" \\ \xe2\x82\xac\xf0\x9f\x98\x80 [x], {y}";
const std::string expected_reasoning = "Thinking about";

struct collected {
  std::string text;
  std::string reasoning;
  std::vector<delta> deltas;
};

void collect(collected& c, const std::vector<delta>& ds) {
  for (const auto& d : ds) {
    c.text += d.content;
    c.reasoning += d.reasoning;
    CHECK((d.content.empty() != d.reasoning.empty()));
    c.deltas.push_back(d);
  }
}

}  // namespace

TEST_CASE("stream_parser: whole body gives text, reasoning, finish and usage") {
  stream_parser p;
  collected c;
  collect(c, p.feed(sample_body));
  CHECK(p.done());
  CHECK(c.text == expected_text);
  CHECK(c.reasoning == expected_reasoning);
  CHECK(p.finish_reason() == "stop");
  CHECK(p.usage().present);
  CHECK(p.usage().prompt_tokens == 12);
  CHECK(p.usage().completion_tokens == 40);
  CHECK(p.usage().total_tokens == 52);
  CHECK(p.chunks() == 6);
  REQUIRE(c.deltas.size() == 5);
  CHECK(c.deltas[0].reasoning == "Thinking");
  CHECK(c.deltas[2].content == "Hel");
}

TEST_CASE("stream_parser: split at every byte offset gives the same result") {
  for (std::size_t cut = 0; cut <= sample_body.size(); ++cut) {
    stream_parser p;
    collected c;
    collect(c, p.feed(std::string_view(sample_body).substr(0, cut)));
    collect(c, p.feed(std::string_view(sample_body).substr(cut)));
    CAPTURE(cut);
    CHECK(c.text == expected_text);
    CHECK(c.reasoning == expected_reasoning);
    CHECK(p.finish_reason() == "stop");
    CHECK(p.done());
  }
}

TEST_CASE("stream_parser: byte-by-byte feeding emits each chunk as soon as it is complete") {
  stream_parser p;
  collected c;
  std::size_t emitted_at_third_chunk_end = 0;
  const std::string third_end = "[[[[[[null,\"Hel\"]],\"model\"]]]]";
  const auto end_of_third = sample_body.find(third_end) + third_end.size();
  for (std::size_t i = 0; i < sample_body.size(); ++i) {
    collect(c, p.feed(std::string_view(&sample_body[i], 1)));
    if (i + 1 == end_of_third) emitted_at_third_chunk_end = c.deltas.size();
  }
  // The "Hel" delta came out with the closing bracket of its chunk, before any comma.
  CHECK(emitted_at_third_chunk_end == 3);
  CHECK(c.text == expected_text);
  CHECK(p.done());
}

TEST_CASE("stream_parser: three-way splits keep strings and escapes intact") {
  const std::string body = "[[[[[[[null,\"a\\\\\\\"b\\u0041\\n\"]],\"model\"]]]]]";
  for (std::size_t i = 0; i <= body.size(); ++i) {
    for (std::size_t j = i; j <= body.size(); ++j) {
      stream_parser p;
      std::string text;
      for (auto piece : {std::string_view(body).substr(0, i),
                         std::string_view(body).substr(i, j - i), std::string_view(body).substr(j)})
        for (const auto& d : p.feed(piece)) text += d.content;
      REQUIRE(text == "a\\\"bA\n");
    }
  }
}

TEST_CASE("stream_parser: finish code 2 is length, 8 is content_filter, unknown codes are 'other'") {
  {
    stream_parser p;
    p.feed("[[[[[[[null,\"x\"]],\"model\"],2]],null,[1,2,3]]]");
    CHECK(p.finish_reason() == "length");
  }
  {
    stream_parser p;
    p.feed("[[[[[[[null,\"x\"]],\"model\"],5]]]]");
    CHECK(p.finish_reason() == "other");
  }
  {
    stream_parser p;
    p.feed("[[[[[],8,null,\"blocked: prohibited content\"]],null,[3,null,3]]]");
    CHECK(p.finish_reason() == "content_filter");
    CHECK(p.blocked_message() == "blocked: prohibited content");
  }
  {
    stream_parser p;
    p.feed("[[[[[[[null,\"x\"]],\"model\"]]]]]");
    CHECK(p.finish_reason().empty());
    CHECK_FALSE(p.usage().present);
  }
}

TEST_CASE("stream_parser: the parts are found at any depth") {
  stream_parser p;
  std::string text;
  for (const auto& d :
       p.feed("[[[null,[[[[null,\"deep\"]],\"model\"]]]],[[[null,\"shallow\"]],\"model\"]]"))
    text += d.content;
  CHECK(text == "deepshallow");
  CHECK(p.done());
}

TEST_CASE("stream_parser: function-call parts are recorded, not emitted as text") {
  stream_parser p;
  auto ds = p.feed(
      "[[[[[[[null,null,null,null,null,null,null,null,null,null,[\"get_weather\",[\"Paris\"]]]],"
      "\"model\"]]]],[[[[[[null,\"ok\"]],\"model\"]]]]]");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].content == "ok");
  REQUIRE(p.function_calls().size() == 1);
  CHECK(p.function_calls()[0] == "[\"get_weather\",[\"Paris\"]]");
}

TEST_CASE("stream_parser: whitespace, the XSSI prefix and an empty array are accepted") {
  {
    stream_parser p;
    auto ds = p.feed(
        ")]}'\n [ [[[[[[null,\"a\"]],\"model\"]]]] ,\r\n [[[[[[null,\"b\"]],\"model\"]]]] ]\n");
    REQUIRE(ds.size() == 2);
    CHECK(p.done());
  }
  {
    stream_parser p;
    CHECK(p.feed("[]").empty());
    CHECK(p.done());
    CHECK(p.chunks() == 0);
  }
  {
    stream_parser p;
    p.feed("  ");
    CHECK_FALSE(p.started());
    p.feed("[");
    CHECK(p.started());
    CHECK_FALSE(p.done());
  }
}

TEST_CASE("stream_parser: an error object in the stream is reported") {
  stream_parser p;
  p.feed("[{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\"}}]");
  CHECK(p.stream_error().find("RESOURCE_EXHAUSTED") != std::string::npos);
  CHECK(p.done());
}

TEST_CASE("stream_parser: scalar elements are tolerated") {
  stream_parser p;
  auto ds = p.feed("[null, 3, \"x]\", [[[[[[null,\"a\"]],\"model\"]]]]]");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].content == "a");
  CHECK(p.done());
}

TEST_CASE("stream_parser: malformed input throws and stays failed") {
  const std::vector<std::string> bad = {
      "{\"a\":1}",   // not an array
      "x[",          // junk before
      "[[1]] [2]",   // data after the end
      "[[1] [2]]",   // missing comma
      "[,[1]]",      // empty element
      "[[1],]",      // trailing comma
      "[[1}]",       // mismatched closing
      "[[nul]]",     // bad literal inside a chunk
      "[[1],,[2]]",  // double comma
      "[}",          // stray brace
  };
  for (const auto& b : bad) {
    CAPTURE(b);
    stream_parser p;
    bool threw = false;
    try {
      p.feed(b);
      p.feed("]");  // whatever comes next must not rescue it
    } catch (const stream_parse_error& e) {
      threw = true;
      CHECK(std::string(e.what()).find("GenerateContent") != std::string::npos);
    }
    CHECK(threw);
    CHECK_THROWS_AS(p.feed("[]"), stream_parse_error);
  }
}

TEST_CASE("stream_parser: absurd nesting is refused, not recursed into") {
  stream_parser p;
  CHECK_THROWS_AS(p.feed("[" + std::string(100000, '[')), stream_parse_error);
}

TEST_CASE("stream_parser: a different wire format from the site file is honoured") {
  wire_format w;
  w.model_role = "assistant";
  w.finish_codes = {{5, "stop"}};
  stream_parser p(w);
  auto ds = p.feed("[[[[[[[null,\"a\"]],\"model\"]]]],[[[[[[null,\"b\"]],\"assistant\"],5]]]]");
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].content == "b");
  CHECK(p.finish_reason() == "stop");
}

TEST_CASE("stream_parser: random bytes and random cuts never crash") {
  // Deterministic pseudo-random input: only stream_parse_error may come out.
  std::uint32_t x = 12345;
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  };
  const std::string alphabet = "[]{},:\"\\ nul1e-0.9tr\xc3\xa9";
  for (int round = 0; round < 2000; ++round) {
    std::string body = "[";
    const int len = static_cast<int>(next() % 60);
    for (int i = 0; i < len; ++i) body.push_back(alphabet[next() % alphabet.size()]);
    stream_parser p;
    try {
      std::size_t at = 0;
      while (at < body.size()) {
        std::size_t n = 1 + next() % 7;
        p.feed(std::string_view(body).substr(at, n));
        at += n;
      }
    } catch (const stream_parse_error&) {
    }
  }
  // A valid body cut at random points still decodes exactly.
  for (int round = 0; round < 200; ++round) {
    stream_parser p;
    std::string text;
    std::size_t at = 0;
    while (at < sample_body.size()) {
      std::size_t n = 1 + next() % 23;
      for (const auto& d : p.feed(std::string_view(sample_body).substr(at, n))) text += d.content;
      at += n;
    }
    REQUIRE(text == expected_text);
  }
}
