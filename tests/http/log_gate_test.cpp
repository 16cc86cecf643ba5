// One log line per refused caller and minute (http/log_gate.*), and the
// server's refusals going through it.
#include "http/log_gate.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <string>

#include "server_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::http;
using namespace camoufleet::testing;
using namespace std::chrono_literals;

TEST_CASE("log gate: the first line at once, the rest counted until the interval is over") {
  log_gate gate(60s);
  const auto t0 = log_gate::clock::time_point{} + 1h;
  CHECK(gate.admit("origin a", t0) == std::optional<std::size_t>(0));
  CHECK_FALSE(gate.admit("origin a", t0 + 1s));
  CHECK_FALSE(gate.admit("origin a", t0 + 59s));
  // Another key is its own.
  CHECK(gate.admit("origin b", t0 + 2s) == std::optional<std::size_t>(0));
  // The next line says how many were held back.
  CHECK(gate.admit("origin a", t0 + 60s) == std::optional<std::size_t>(2));
  CHECK_FALSE(gate.admit("origin a", t0 + 61s));
  CHECK(gate.held_note(2) == " (2 more like it in the last 60 s)");
  CHECK(gate.held_note(0).empty());
}

TEST_CASE("log gate: bounded keys — old ones dropped, then new ones share one line") {
  log_gate gate(60s, 3);
  const auto t0 = log_gate::clock::time_point{} + 1h;
  for (const char* k : {"a", "b", "c"}) CHECK(gate.admit(k, t0));
  // Full, none expired: new keys share the overflow line.
  CHECK(gate.admit("d", t0 + 1s) == std::optional<std::size_t>(0));
  CHECK_FALSE(gate.admit("e", t0 + 2s));
  CHECK_FALSE(gate.admit("f", t0 + 3s));
  // Once the old keys' minute is over they make room again.
  CHECK(gate.admit("g", t0 + 61s) == std::optional<std::size_t>(0));
  CHECK_FALSE(gate.admit("g", t0 + 62s));
}

TEST_CASE("server: a page hammering with refused calls is one log line, not one per call") {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  struct restore {
    std::shared_ptr<spdlog::logger> logger;
    ~restore() { spdlog::set_default_logger(logger); }
  } restore_after{previous};
  {
    fixture f;
    for (int i = 0; i < 30; ++i) {
      const auto r = http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false),
                               {{"Origin", "https://evil.example.net"}});
      CHECK(r.status == 403);
      const auto h = http_call(f.port(), "GET", "/health/live", "", {{"Host", "rebind.example"}});
      CHECK(h.status == 403);
    }
    CHECK(f.gw.submitted().empty());
  }
  spdlog::default_logger()->flush();
  const std::string log = out.str();
  const auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count("refused a call from the web page at https://evil.example.net") == 1);
  CHECK(count("refused a request addressed to rebind.example") == 1);
}
