// The kept events of a streamed background response (http/event_log.*):
// split into events as the stream wrote them, read again after a sequence
// number.
#include "http/event_log.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace camoufleet::http;

namespace {

std::string ev(int n) {
  return "event: e\ndata: {\"sequence_number\":" + std::to_string(n) + "}\n\n";
}

}  // namespace

TEST_CASE("event log: events kept apart, comments dropped, read after a number") {
  event_log log;
  CHECK(log.after(-1).empty());
  log.append(ev(0) + ev(1));
  log.append(": instance inst-A\n\n");  // a comment is no event
  log.append("");
  log.append(ev(2) + ": keep-alive\n\n" + ev(3));
  CHECK(log.size() == 4);
  CHECK(log.bytes() == (ev(0) + ev(1) + ev(2) + ev(3)).size());
  CHECK(log.after(-1) == ev(0) + ev(1) + ev(2) + ev(3));
  CHECK(log.after(0) == ev(1) + ev(2) + ev(3));
  CHECK(log.after(2) == ev(3));
  CHECK(log.after(3).empty());
  CHECK(log.after(1000).empty());  // past the end: what comes later
  CHECK_FALSE(log.ended());
  log.end();
  CHECK(log.ended());
}

TEST_CASE("event log: a last event without its blank line is still one") {
  event_log log;
  log.append("event: e\ndata: {}\n");
  log.append(ev(1));
  CHECK(log.size() == 2);
  CHECK(log.after(0) == ev(1));
}

TEST_CASE("event log: starting_after is a whole number from -1 up") {
  long long n = 7;
  CHECK(parse_starting_after("0", n));
  CHECK(n == 0);
  CHECK(parse_starting_after("-1", n));
  CHECK(n == -1);
  CHECK(parse_starting_after("123456", n));
  CHECK(n == 123456);
  for (const char* bad : {"", "-2", "1.5", "abc", "12x", " 1", "+1", "99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(parse_starting_after(bad, n));
  }
  CHECK(n == 123456);  // left as it was
}
