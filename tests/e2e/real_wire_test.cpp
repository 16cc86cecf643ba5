// The real site's wire format end to end: the simulator replays bodies in
// the form public captures show (sim/fixtures/, `--generate-body`), paced
// chunk by chunk, through its page and real Chromium to the API client.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>

#include "sim/stream_format.hpp"
#include "tests/e2e/fleet_fixture.hpp"
#include "tests/e2e/sse_reader.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using nlohmann::json;

namespace {

using clock_type = std::chrono::steady_clock;

fleet_config replaying(const std::string& fixture, int first_token_ms, int token_ms) {
  fleet_config c;
  c.accounts = 1;
  c.multi = false;
  c.sim_args = {"--generate-body", testing::sim_fixture_path(fixture), "--first-token-ms",
                std::to_string(first_token_ms), "--token-ms", std::to_string(token_ms)};
  return c;
}

// Two captures answered in turn (the simulator's --generate-body repeated).
fleet_config replaying_in_turn(const std::string& first, const std::string& second,
                               int first_token_ms, int token_ms) {
  auto c = replaying(first, first_token_ms, token_ms);
  c.sim_args.insert(c.sim_args.end(), {"--generate-body", testing::sim_fixture_path(second)});
  return c;
}

// How many GenerateContent requests reached the simulator.
std::size_t sim_requests(fleet_fixture& f) {
  return f.sim().state()["requests"].size();
}

// The status of the simulator's most recent GenerateContent request.
std::string last_sim_status(fleet_fixture& f) {
  auto reqs = f.sim().state()["requests"];
  return reqs.empty() ? "" : reqs.back()["status"].get<std::string>();
}

// A non-stream completion that must succeed; its JSON.
json answer_of(fleet_fixture& f, const std::string& prompt) {
  auto r = f.post("/v1/chat/completions", chat_body(prompt));
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.json();
}

long long ms_since(clock_type::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
}

}  // namespace

TEST_CASE("e2e wire: a captured body streams to the client chunk by chunk, text and usage exact") {
  const auto want = sim::decode_stream(testing::sim_fixture("thinking-stream.json"));
  // 8 chunks 300 ms apart: the whole answer takes over two seconds to arrive.
  fleet_fixture f(replaying("thinking-stream.json", 100, 300));
  json body = chat_body("Say hello", "gemini-2.5-pro", true);
  body["stream_options"] = {{"include_usage", true}};

  std::string seen;
  std::string sim_status_at_first_delta;
  long long first_delta_ms = -1;
  const auto t0 = clock_type::now();
  auto r = testing::http_request_stream(
      "POST", f.port(), "/v1/chat/completions", body.dump(),
      {{"Content-Type", "application/json"}},
      [&](const std::string& piece) {
        seen += piece;
        if (first_delta_ms < 0) {
          auto s = parse_sse(seen);
          if (!s.content().empty() || !s.reasoning().empty()) {
            first_delta_ms = ms_since(t0);
            sim_status_at_first_delta = last_sim_status(f);
          }
        }
        return true;
      },
      60s);
  const auto total_ms = ms_since(t0);
  INFO("stream body: " << r.body);
  REQUIRE(r.error.empty());
  REQUIRE(r.status == 200);
  // The first delta reached the client while the site was still sending.
  CHECK(sim_status_at_first_delta == "streaming");
  MESSAGE("figure: first delta after " << first_delta_ms << " ms (simulator first token 100 ms), "
                                       << "whole answer " << total_ms << " ms");

  auto s = parse_sse(r.body);
  REQUIRE(s.done());
  CHECK(s.content() == want.text);
  CHECK(s.reasoning() == want.reasoning);
  auto chunks = s.chunks();
  REQUIRE(chunks.size() >= 3);
  CHECK(chunks[chunks.size() - 2]["choices"][0]["finish_reason"] == "stop");
  const auto& usage = chunks.back()["usage"];
  CHECK(usage["prompt_tokens"] == want.prompt_tokens);
  CHECK(usage["completion_tokens"] == want.candidates_tokens + want.thoughts_tokens);
  CHECK(usage["total_tokens"] == want.total_tokens);
  CHECK(usage["completion_tokens_details"]["reasoning_tokens"] == want.thoughts_tokens);
}

TEST_CASE("e2e wire: an answer longer than the first-token timeout streams and completes") {
  // The driver's first-token timeout is 1.5 s; the answer takes ~3.5 s. Only
  // a driver that sees the first chunk when it arrives can finish it.
  testing::temp_dir dir;
  json site = json::parse(std::ifstream(source_dir() + "/site/aistudio.json"));
  site["timeouts_ms"]["first_token"] = 1500;
  const std::string site_file = dir.path() + "/site.json";
  std::ofstream(site_file) << site.dump(2);

  auto cfg = replaying("thinking-stream.json", 200, 450);
  cfg.server_args = {"--site-file", site_file};
  const auto want = sim::decode_stream(testing::sim_fixture("thinking-stream.json"));
  fleet_fixture f(cfg);
  const auto t0 = clock_type::now();
  auto r = f.post("/v1/chat/completions", chat_body("Say hello"));
  const auto took = ms_since(t0);
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(took > 1500);  // it really was longer than the first-token timeout
  auto j = r.json();
  CHECK(j["choices"][0]["message"]["content"] == want.text);
  CHECK(j["usage"]["total_tokens"] == want.total_tokens);
}

TEST_CASE("e2e wire: a blocked answer ends with content_filter, not an empty stop") {
  fleet_fixture f(replaying("blocked.json", 20, 5));
  auto j = answer_of(f, "Something the site blocks");
  CHECK(j["choices"][0]["finish_reason"] == "content_filter");
  CHECK(j["choices"][0]["message"]["content"] == "I can");
  // The server's log reaches the test through a pipe reader: wait for it.
  CHECK(f.server().wait_for_line(
      [](const std::string& line) {
        return line.find("blocked the answer") != std::string::npos &&
               line.find("prohibited content") != std::string::npos;
      },
      10s));
}

TEST_CASE("e2e wire: an error pair in the stream is a rate limit for the account") {
  fleet_fixture f(replaying("rate-limited-pair.json", 20, 5));
  auto r = f.post("/v1/chat/completions", chat_body("Anything"));
  INFO(r.body);
  // The only account is cooling down: a 429 from the site, or "none can serve".
  CHECK((r.status == 429 || r.status == 503));
  auto inst = f.instances();
  REQUIRE(inst["instances"].size() == 1);
  CHECK(inst["instances"][0]["status"] == "cooldown");
}

TEST_CASE("e2e wire: a captured function-call answer becomes tool_calls") {
  fleet_fixture f(replaying("function-call.json", 20, 5));
  auto j = answer_of(f, "What is the weather in Paris?");
  const auto& msg = j["choices"][0]["message"];
  CHECK(j["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(msg["content"].is_null());
  REQUIRE(msg["tool_calls"].size() == 1);
  CHECK(msg["tool_calls"][0]["function"]["name"] == "get_weather");
  CHECK(json::parse(msg["tool_calls"][0]["function"]["arguments"].get<std::string>()) ==
        json{{"city", "Paris"}, {"days", 3}});
}

// response_format: the page has no control for it, so the prompt asks; a
// model that wraps its JSON in a code fence anyway has it taken off, in the
// stream as in the JSON answer.
TEST_CASE("e2e wire: an answer asked for as JSON reaches the client without the model's code fence") {
  fleet_fixture f(replaying("fenced-json.json", 20, 40));
  const json want = {{"city", "Paris"}, {"days", 3}};

  json body = chat_body("Where and for how long?");
  body["response_format"] = {{"type", "json_object"}};
  auto r = f.post("/v1/chat/completions", body);
  INFO(r.body);
  REQUIRE(r.status == 200);
  const std::string content = r.json()["choices"][0]["message"]["content"];
  CHECK(json::parse(content) == want);
  CHECK(content.find('`') == std::string::npos);
  const std::string prompt = f.sim().state()["requests"].back()["prompt"];
  CHECK(prompt.find("Answer with one JSON object only.") != std::string::npos);

  body = chat_body("Where and for how long?", "gemini-2.5-pro", true);
  body["response_format"] = {
      {"type", "json_schema"},
      {"json_schema",
       {{"name", "trip"},
        {"schema",
         {{"type", "object"},
          {"properties", {{"city", {{"type", "string"}}}, {"days", {{"type", "integer"}}}}}}}}}};
  auto s = f.post("/v1/chat/completions", body);
  INFO(s.body);
  REQUIRE(s.status == 200);
  CHECK(json::parse(parse_sse(s.body).content()) == want);
  const std::string schema_prompt = f.sim().state()["requests"].back()["prompt"];
  CHECK(schema_prompt.find("valid against this JSON Schema (\"trip\")") != std::string::npos);
  CHECK(schema_prompt.find("\"days\"") != std::string::npos);
}

// A reply whose JSON breaks its schema is asked for once more, in a new
// chat with the broken answer and what is wrong with it; a stream is not
// (its text is already out). The simulator answers its bodies in turn: the
// schema miss first, then the right answer.
TEST_CASE("e2e wire: a JSON reply that breaks its schema is asked for once more") {
  fleet_fixture f(replaying_in_turn("schema-miss-json.json", "fenced-json.json", 20, 40));
  const auto asked = [&] { return sim_requests(f); };
  const std::size_t before = asked();

  json body = chat_body("Where and for how long?");
  body["response_format"] = {
      {"type", "json_schema"},
      {"json_schema",
       {{"name", "trip"},
        {"strict", true},
        {"schema",
         {{"type", "object"},
          {"properties", {{"city", {{"type", "string"}}}, {"days", {{"type", "integer"}}}}},
          {"required", {"city", "days"}},
          {"additionalProperties", false}}}}}};
  auto r = f.post("/v1/chat/completions", body);
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto reply = r.json();
  CHECK(json::parse(reply["choices"][0]["message"]["content"].get<std::string>()) ==
        json({{"city", "Paris"}, {"days", 3}}));
  // Both tries were asked of the account, and are counted.
  CHECK(reply["usage"]["prompt_tokens"] == 24);
  CHECK(reply["usage"]["completion_tokens"] == 24);
  REQUIRE(asked() == before + 2);
  const std::string again = f.sim().state()["requests"].back()["prompt"];
  CHECK(again.find(R"("days": "three")") != std::string::npos);  // the broken answer, shown
  CHECK(
      again.find(
          R"(Your last answer cannot be used as it is: $.days: expected an integer, got "three")") !=
      std::string::npos);
  CHECK(again.find("valid against this JSON Schema (\"trip\")") != std::string::npos);

  // Streamed: the third body (the miss again) goes out as it is, asked once.
  body["stream"] = true;
  auto s = f.post("/v1/chat/completions", body);
  INFO(s.body);
  REQUIRE(s.status == 200);
  CHECK(json::parse(parse_sse(s.body).content()) == json({{"city", "Paris"}, {"days", "three"}}));
  CHECK(asked() == before + 3);
  // A reply that keeps to it (the fourth body) is not asked again.
  body["stream"] = false;
  auto ok = f.post("/v1/chat/completions", body);
  REQUIRE(ok.status == 200);
  CHECK(asked() == before + 4);
}

// tool_choice "required" answered in text: asked for once more, the same
// way (the simulator's bodies in turn: text, then a call).
TEST_CASE("e2e wire: a reply without the call tool_choice requires is asked for once more") {
  fleet_fixture f(replaying_in_turn("thinking-stream.json", "function-call.json", 20, 5));
  const std::size_t before = sim_requests(f);

  json body = chat_body("What is the weather in Paris?");
  body["tools"] = json::array(
      {{{"type", "function"},
        {"function",
         {{"name", "get_weather"},
          {"description", "Current weather of a city"},
          {"parameters",
           {{"type", "object"},
            {"properties", {{"city", {{"type", "string"}}}, {"days", {{"type", "integer"}}}}},
            {"required", {"city"}}}}}}}});
  body["tool_choice"] = "required";
  auto r = f.post("/v1/chat/completions", body);
  INFO(r.body);
  REQUIRE(r.status == 200);
  const auto reply = r.json();
  const auto& choice = reply["choices"][0];
  CHECK(choice["finish_reason"] == "tool_calls");
  REQUIRE(choice["message"]["tool_calls"].size() == 1);
  CHECK(choice["message"]["tool_calls"][0]["function"]["name"] == "get_weather");
  REQUIRE(sim_requests(f) == before + 2);
  const std::string again = f.sim().state()["requests"].back()["prompt"];
  CHECK(again.find("Your last answer cannot be used as it is: it calls no function") !=
        std::string::npos);
  CHECK(again.find("with the function call it needs.") != std::string::npos);
}
