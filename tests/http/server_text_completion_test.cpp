// POST /v1/completions over the real Pistache server with a scripted
// gateway: the prompt reaches the gateway as the one user turn, the answer
// comes back as a text_completion (whole, streamed, with `n` choices), and a
// body a page cannot answer is a 400 naming the field, nothing submitted.
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "server_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string legacy_body(bool stream, int n = 1) {
  json j = {{"model", "gemini-2.5-pro"}, {"prompt", "Once upon a time"},
            {"max_tokens", 50},          {"stop", "\n\n"},
            {"stream", stream},          {"n", n}};
  if (stream) j["stream_options"] = {{"include_usage", true}};
  return j.dump();
}

std::vector<script_step> answer_in_two(const completion_request&) {
  return {{5ms, assigned("inst-A")},
          {10ms, delta("", "a thought")},
          {10ms, delta("there was")},
          {10ms, delta(" a")},
          {10ms, finished("there was a fleet.", "inst-A")}};
}

}  // namespace

TEST_CASE("server text completion: the prompt as the user turn, the answer as a text_completion") {
  fixture f;
  f.gw.set_script(answer_in_two);
  const auto r = http_call(f.port(), "POST", "/v1/completions", legacy_body(false));
  REQUIRE(r.status == 200);
  const std::string id = r.header("x-request-id");
  CHECK(id.rfind("cmpl-", 0) == 0);
  CHECK(r.header("x-camoufleet-instance") == "inst-A");
  const auto j = json::parse(r.body);
  CHECK(j["id"] == id);
  CHECK(j["object"] == "text_completion");
  CHECK(j["model"] == "gemini-2.5-pro");
  REQUIRE(j["choices"].size() == 1);
  CHECK(j["choices"][0]["text"] == "there was a fleet.");
  CHECK(j["choices"][0]["logprobs"].is_null());
  CHECK(j["choices"][0]["finish_reason"] == "stop");
  CHECK(j["usage"]["total_tokens"] == 14);

  const auto submitted = f.gw.submitted();
  REQUIRE(submitted.size() == 1);
  const auto& sent = submitted.front();
  CHECK(sent.id == id);
  REQUIRE(sent.messages.size() == 1);
  CHECK(sent.messages[0].role == "user");
  CHECK(sent.messages[0].content == "Once upon a time");
  CHECK(sent.params.max_output_tokens == 50);
  CHECK(sent.params.stop == std::vector<std::string>{"\n\n"});

  // The route has its own metric label.
  const auto m = http_call(f.port(), "GET", "/metrics", "");
  CHECK(m.body.find(R"(route="/v1/completions",status="200")") != std::string::npos);
}

TEST_CASE("server text completion: streamed as text chunks, usage, [DONE]") {
  fixture f;
  f.gw.set_script(answer_in_two);
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/completions", legacy_body(true))));
  const auto s = read_stream(c, 10s);
  REQUIRE(s.head.status == 200);
  CHECK(s.ended);
  CHECK(s.head.header("x-request-id").rfind("cmpl-", 0) == 0);
  std::string text;
  int finishes = 0;
  json usage;
  for (const auto& d : data_events(s)) {
    CHECK(d["object"] == "text_completion");
    CHECK(d["id"] == s.head.header("x-request-id"));
    if (d.contains("usage") && !d["usage"].is_null()) usage = d["usage"];
    for (const auto& choice : d["choices"]) {
      CHECK_FALSE(choice.contains("delta"));
      text += choice["text"].get<std::string>();
      if (!choice["finish_reason"].is_null()) ++finishes;
    }
  }
  CHECK(text == "there was a fleet.");  // the thought is not in it
  CHECK(finishes == 1);
  CHECK(usage["completion_tokens"] == 3);
  REQUIRE_FALSE(s.events.empty());
  CHECK(s.events.back().data == "[DONE]");
}

TEST_CASE("server text completion: n choices, whole and streamed") {
  fixture f;
  f.gw.set_script([](const completion_request& r) {
    const auto i = r.id.substr(r.id.rfind('-') + 1);
    return std::vector<script_step>{{5ms, assigned("inst-" + i)},
                                    {10ms, delta("text " + i)},
                                    {10ms, finished("text " + i, "inst-" + i)}};
  });
  const auto r = http_call(f.port(), "POST", "/v1/completions", legacy_body(false, 2));
  REQUIRE(r.status == 200);
  const auto j = json::parse(r.body);
  CHECK(j["object"] == "text_completion");
  REQUIRE(j["choices"].size() == 2);
  CHECK(j["choices"][1]["text"] == "text 1");
  CHECK(j["choices"][1]["index"] == 1);

  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/completions", legacy_body(true, 2))));
  const auto s = read_stream(c, 10s);
  REQUIRE(s.head.status == 200);
  std::map<int, std::string> texts;
  for (const auto& d : data_events(s)) {
    CHECK(d["object"] == "text_completion");
    for (const auto& ch : d["choices"])
      texts[ch["index"].get<int>()] += ch["text"].get<std::string>();
  }
  CHECK(texts == std::map<int, std::string>{{0, "text 0"}, {1, "text 1"}});
}

TEST_CASE("server text completion: several prompts, each answered n times in OpenAI's order") {
  fixture f;
  f.gw.set_script([](const completion_request& r) {
    // The later parts answer first: the order is the prompts', not theirs.
    const auto i = r.id.substr(r.id.rfind('-') + 1);
    const auto wait = std::chrono::milliseconds(i == "0" ? 200 : 10);
    const std::string text = "re: " + r.messages.back().content + " #" + i;
    return std::vector<script_step>{{5ms, assigned("inst-" + i)},
                                    {wait, finished(text, "inst-" + i)}};
  });
  const std::string body = R"({"prompt":["First","Second"],"n":2})";
  const auto r = http_call(f.port(), "POST", "/v1/completions", body);
  REQUIRE(r.status == 200);
  const auto j = json::parse(r.body);
  REQUIRE(j["choices"].size() == 4);
  const char* want[] = {"re: First #0", "re: First #1", "re: Second #2", "re: Second #3"};
  for (int i = 0; i < 4; ++i) {
    CHECK(j["choices"][i]["index"] == i);
    CHECK(j["choices"][i]["text"] == want[i]);
  }
  CHECK(j["usage"]["prompt_tokens"] == 22);  // each prompt once
  CHECK(j["usage"]["completion_tokens"] == 12);
  CHECK(f.gw.submitted().size() == 4);

  // Streamed: the same answers at the same indexes.
  http_connection c(f.port());
  REQUIRE(c.send_all(build_request("POST", "/v1/completions",
                                   R"({"prompt":["First","Second"],"n":2,"stream":true})")));
  const auto s = read_stream(c, 10s);
  REQUIRE(s.head.status == 200);
  std::map<int, std::string> texts;
  for (const auto& d : data_events(s))
    for (const auto& ch : d["choices"])
      texts[ch["index"].get<int>()] += ch["text"].get<std::string>();
  CHECK(texts ==
        std::map<int, std::string>{
            {0, "re: First #0"}, {1, "re: First #1"}, {2, "re: Second #2"}, {3, "re: Second #3"}});
}

TEST_CASE("server text completion: what a page cannot answer is a 400 naming it, nothing sent") {
  fixture f;
  f.gw.set_script(answer_in_two);
  const std::pair<const char*, const char*> cases[] = {
      {R"({"model":"gemini-2.5-pro"})", "prompt"},  {R"({"prompt":["one",""]})", "prompt"},
      {R"({"prompt":[15496,11]})", "prompt"},       {R"({"prompt":"a","echo":true})", "echo"},
      {R"({"prompt":"a","suffix":"b"})", "suffix"}, {R"({"prompt":"a","n":0})", "n"},
  };
  for (const auto& [body, param] : cases) {
    CAPTURE(body);
    const auto r = http_call(f.port(), "POST", "/v1/completions", body);
    CHECK(r.status == 400);
    CHECK(r.header("x-request-id").rfind("cmpl-", 0) == 0);
    const auto e = json::parse(r.body)["error"];
    CHECK(e["type"] == "invalid_request_error");
    CHECK(e["param"] == param);
  }
  CHECK(f.gw.submitted().empty());
  CHECK(http_call(f.port(), "GET", "/v1/completions", "").status == 405);
}
