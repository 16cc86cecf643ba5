// Items 1 and 2 of issue 7: a browser killed or frozen under a request.
#include <doctest/doctest.h>

#include <signal.h>

#include <future>

#include "tests/e2e/fleet_fixture.hpp"
#include "tests/e2e/sse_reader.hpp"
#include "tests/reliability/rel_support.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using namespace camoufleet::reliability;
using nlohmann::json;

namespace {

// Slow enough that a request is still generating when the test acts on it
// (24 tokens * 150 ms = 3.6 s).
const json slow_pacing = {{"first_token_ms", 300}, {"token_ms", 150}};
const json fast_pacing = {{"first_token_ms", 20}, {"token_ms", 5}};

fleet_config fault_config() {
  fleet_config cfg;
  cfg.server_args = {"--monitor-interval", "1", "--request-timeout", "30", "--queue-timeout", "30"};
  return cfg;
}

}  // namespace

TEST_CASE("reliability: browser SIGKILLed under a non-stream request: failover, restart, error_count") {
  fleet_fixture f(fault_config());
  f.sim().set_pacing(slow_pacing);
  const std::string prompt = "killed browser failover";
  auto call = std::async(std::launch::async,
                         [&] { return f.post("/v1/chat/completions", chat_body(prompt), {}, 90s); });
  json busy = wait_busy_instance(f, 30s);
  REQUIRE_MESSAGE(!busy.is_null(), "no instance became busy");
  const std::string id = busy["id"];
  const int old_port = busy["port"];
  const int errors_before = busy["error_count"];
  int pid = browser_pid_for_port(f, old_port);
  REQUIRE(pid > 0);

  auto t0 = clock_type::now();
  REQUIRE(::kill(pid, SIGKILL) == 0);
  long detected_ms = -1;
  long ready_ms = -1;
  bool recovered = testing::wait_until(
      [&] {
        json i = instance_by_id(f, id);
        if (i.is_null()) return false;
        if (detected_ms < 0 && (i["status"] != "busy" || i["error_count"].get<int>() > errors_before))
          detected_ms = ms_since(t0);
        if (detected_ms >= 0 && i["status"] == "ready") {
          ready_ms = ms_since(t0);
          return true;
        }
        return false;
      },
      60s, 10ms);

  auto r = call.get();
  CHECK(r.status == 200);
  if (r.status == 200) {
    CHECK(r.json()["choices"][0]["message"]["content"] == expected_answer(prompt));
    CHECK(r.header("X-Camoufleet-Instance") != id);
  }
  CHECK(recovered);
  CHECK(detected_ms >= 0);
  figure("browser SIGKILL (non-stream): kill->detected " + std::to_string(detected_ms) +
         " ms, kill->ready " + std::to_string(ready_ms) + " ms, answered by " +
         r.header("X-Camoufleet-Instance") + " in place of " + id);

  json after = instance_by_id(f, id);
  CHECK(after["error_count"].get<int>() > errors_before);
  CHECK_FALSE(process_alive(pid));
  int new_pid = browser_pid_for_port(f, after["port"]);
  CHECK(new_pid > 0);
  CHECK(new_pid != pid);

  // It serves again: three at once on three instances, one each.
  f.sim().set_pacing(fast_pacing);
  const int served_before = after["served"];
  for (const auto& rk : burst(f, 3, "after restart")) CHECK(rk.status == 200);
  CHECK(testing::wait_until([&] { return instance_by_id(f, id)["served"].get<int>() > served_before; },
                            10s));
}

TEST_CASE("reliability: browser SIGKILLed after the first stream chunk: SSE error then [DONE], then restarted") {
  fleet_fixture f(fault_config());
  f.sim().set_pacing(slow_pacing);
  auto call = start_stream(f.port(), chat_body("killed stream", "gemini-2.5-pro", true));
  REQUIRE(call.first_chunk.wait_for(30s) == std::future_status::ready);
  json busy = wait_busy_instance(f, 5s);
  REQUIRE(!busy.is_null());
  const std::string id = busy["id"];
  const int errors_before = busy["error_count"];
  int pid = browser_pid_for_port(f, busy["port"]);
  REQUIRE(pid > 0);
  auto t0 = clock_type::now();
  REQUIRE(::kill(pid, SIGKILL) == 0);

  auto r = call.response.get();
  long stream_end_ms = ms_since(t0);
  REQUIRE(r.status == 200);
  auto s = parse_sse(r.body);
  CHECK(s.done());
  bool error_event = false;
  for (const auto& c : s.chunks())
    if (c.contains("error")) error_event = c["error"].contains("message");
  CHECK(error_event);
  // What arrived before the error is a prefix of the real answer.
  CHECK(expected_answer("killed stream").rfind(s.content(), 0) == 0);

  long ready_ms = -1;
  CHECK(testing::wait_until(
      [&] {
        json i = instance_by_id(f, id);
        if (!i.is_null() && i["status"] == "ready" && i["error_count"].get<int>() > errors_before) {
          ready_ms = ms_since(t0);
          return true;
        }
        return false;
      },
      60s, 10ms));
  figure("browser SIGKILL (stream): kill->stream ended with error " + std::to_string(stream_end_ms) +
         " ms, kill->ready " + std::to_string(ready_ms) + " ms");
  f.sim().set_pacing(fast_pacing);
  CHECK(f.post("/v1/chat/completions", chat_body("after stream kill")).status == 200);
}

TEST_CASE("reliability: browser frozen (SIGSTOP) is detected by the health probe and replaced") {
  fleet_fixture f(fault_config());
  stopped_guard guard;
  f.sim().set_pacing(slow_pacing);
  const std::string prompt = "frozen browser";
  auto call = std::async(std::launch::async,
                         [&] { return f.post("/v1/chat/completions", chat_body(prompt), {}, 90s); });
  json busy = wait_busy_instance(f, 30s);
  REQUIRE(!busy.is_null());
  const std::string id = busy["id"];
  const int old_port = busy["port"];
  const int errors_before = busy["error_count"];
  int pid = browser_pid_for_port(f, old_port);
  REQUIRE(pid > 0);
  guard.add(pid);

  auto t0 = clock_type::now();
  REQUIRE(::kill(pid, SIGSTOP) == 0);
  long detected_ms = -1;
  long replaced_ms = -1;
  bool replaced = testing::wait_until(
      [&] {
        json i = instance_by_id(f, id);
        if (i.is_null()) return false;
        if (detected_ms < 0 && (i["status"] != "busy" || i["error_count"].get<int>() > errors_before))
          detected_ms = ms_since(t0);
        int now_pid = browser_pid_for_port(f, i["port"]);
        if (detected_ms >= 0 && i["status"] == "ready" && now_pid > 0 && now_pid != pid) {
          replaced_ms = ms_since(t0);
          return true;
        }
        return false;
      },
      60s, 20ms);
  auto r = call.get();
  long answered_ms = ms_since(t0);
  // Failed over (the exact answer from another instance) or failed cleanly
  // (an OpenAI error with a 5xx status), never a hang.
  if (r.status == 200) {
    CHECK(r.json()["choices"][0]["message"]["content"] == expected_answer(prompt));
    CHECK(r.header("X-Camoufleet-Instance") != id);
  } else {
    CHECK(r.status >= 500);
    CHECK(is_openai_error(r.body));
  }
  CHECK(detected_ms >= 0);
  CHECK(replaced);
  figure("browser SIGSTOP: stop->detected " + std::to_string(detected_ms) + " ms, stop->replaced " +
         std::to_string(replaced_ms) + " ms, client answered " + std::to_string(r.status) + " after " +
         std::to_string(answered_ms) + " ms");
  json after = instance_by_id(f, id);
  CHECK(after["error_count"].get<int>() > errors_before);
  f.sim().set_pacing(fast_pacing);
  CHECK(f.post("/v1/chat/completions", chat_body("after freeze")).status == 200);
}
