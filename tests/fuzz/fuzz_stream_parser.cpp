// The GenerateContent stream parser (site/stream_parser.*) over any bytes,
// split anywhere. Invariants: it throws nothing but stream_parse_error; a
// body fed in pieces gives exactly what the same body gives in one piece
// (deltas, finish reason, usage, chunk count, error, or a parse error) — the
// page hands it whatever the network cut.
#include <string>
#include <string_view>

#include "site/stream_parser.hpp"
#include "tests/fuzz/fuzz_entry.hpp"

namespace {

struct outcome {
  bool threw = false;
  std::string text, reasoning, finish, error;
  std::size_t chunks = 0, calls = 0;
  int prompt = 0, completion = 0, total = 0;
  bool done = false;

  bool operator==(const outcome& o) const {
    return threw == o.threw && text == o.text && reasoning == o.reasoning && finish == o.finish &&
           error == o.error && chunks == o.chunks && calls == o.calls && prompt == o.prompt &&
           completion == o.completion && total == o.total && done == o.done;
  }
};

outcome run(std::string_view body, std::size_t step) {
  outcome out;
  camoufleet::site::stream_parser p;
  try {
    for (std::size_t at = 0; at < body.size(); at += step) {
      for (const auto& d : p.feed(body.substr(at, step))) {
        out.text += d.content;
        out.reasoning += d.reasoning;
      }
    }
  } catch (const camoufleet::site::stream_parse_error&) {
    // Deltas of the chunks before the fault went out already; what must
    // agree is that both ways fail.
    out = outcome{};
    out.threw = true;
    // Once failed, it stays failed.
    bool again = false;
    try {
      p.feed("]");
    } catch (const camoufleet::site::stream_parse_error&) {
      again = true;
    }
    FUZZ_CHECK(again);
    return out;
  }
  out.finish = p.finish_reason();
  out.error = p.stream_error();
  out.chunks = p.chunks();
  out.calls = p.function_calls().size();
  out.prompt = p.usage().prompt_tokens;
  out.completion = p.usage().completion_tokens;
  out.total = p.usage().total_tokens;
  out.done = p.done();
  return out;
}

}  // namespace

extern "C" int CAMOUFLEET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the piece size, the rest is the body.
  const std::size_t step = 1 + data[0] % 13;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const outcome whole = run(body, body.size() + 1);
  const outcome pieces = run(body, step);
  FUZZ_CHECK(whole == pieces);
  return 0;
}
