// Item 6 of issue 7: malformed requests against the real server; each gets
// the right 4xx with an OpenAI error body and the server keeps serving.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "tests/e2e/fleet_fixture.hpp"
#include "tests/reliability/rel_support.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using namespace camoufleet::reliability;
using nlohmann::json;

namespace {

struct bad_case {
  std::string name;
  std::string method;
  std::string target;
  std::string body;
  int status;
  std::string error_type;  // expected error.type ("" = any)
};

std::string with(const std::function<void(json&)>& edit) {
  json b = chat_body("hello");
  edit(b);
  return b.dump();
}

std::string with_message(const json& message) {
  return with([&](json& b) { b["messages"] = json::array({message}); });
}

std::vector<bad_case> bad_cases() {
  const std::string inv = "invalid_request_error";
  const std::string chat = "/v1/chat/completions";
  std::vector<bad_case> c = {
      {"broken JSON", "POST", chat, "{not json", 400, inv},
      {"empty body", "POST", chat, "", 400, inv},
      {"truncated JSON", "POST", chat, R"({"model":"gemini-2.5-pro","messages":[{"role":"user")",
       400, inv},
      {"trailing garbage", "POST", chat, chat_body("hi").dump() + " xyz", 400, inv},
      {"NaN literal", "POST", chat,
       R"({"messages":[{"role":"user","content":"hi"}],"temperature":NaN})", 400, inv},
      {"array body", "POST", chat, "[]", 400, inv},
      {"null body", "POST", chat, "null", 400, inv},
      {"string body", "POST", chat, "\"hello\"", 400, inv},
      {"model is a number", "POST", chat, with([](json& b) { b["model"] = 5; }), 400, inv},
      {"messages missing", "POST", chat, R"({"model":"gemini-2.5-pro"})", 400, inv},
      {"messages a string", "POST", chat, with([](json& b) { b["messages"] = "hi"; }), 400, inv},
      {"messages empty", "POST", chat, with([](json& b) { b["messages"] = json::array(); }), 400,
       inv},
      {"message a number", "POST", chat, with([](json& b) { b["messages"] = json::array({5}); }),
       400, inv},
      {"role missing", "POST", chat, with_message({{"content", "hi"}}), 400, inv},
      {"role a number", "POST", chat, with_message({{"role", 7}, {"content", "hi"}}), 400, inv},
      {"unknown role", "POST", chat, with_message({{"role", "wizard"}, {"content", "hi"}}), 400,
       inv},
      {"content missing", "POST", chat, with_message({{"role", "user"}}), 400, inv},
      {"content a number", "POST", chat, with_message({{"role", "user"}, {"content", 42}}), 400,
       inv},
      {"user content null", "POST", chat, with_message({{"role", "user"}, {"content", nullptr}}),
       400, inv},
      {"image part", "POST", chat,
       with_message(
           {{"role", "user"},
            {"content", json::array({{{"type", "image_url"}, {"image_url", {{"url", "x"}}}}})}}),
       400, inv},
      {"part without type", "POST", chat,
       with_message({{"role", "user"}, {"content", json::array({{{"text", "x"}}})}}), 400, inv},
      {"part text a number", "POST", chat,
       with_message(
           {{"role", "user"}, {"content", json::array({{{"type", "text"}, {"text", 5}}})}}),
       400, inv},
      {"part a number", "POST", chat,
       with_message({{"role", "user"}, {"content", json::array({5})}}), 400, inv},
      {"stream a string", "POST", chat, with([](json& b) { b["stream"] = "yes"; }), 400, inv},
      {"stream_options a number", "POST", chat, with([](json& b) { b["stream_options"] = 3; }), 400,
       inv},
      {"absurd temperature", "POST", chat, with([](json& b) { b["temperature"] = 99; }), 400, inv},
      {"negative temperature", "POST", chat, with([](json& b) { b["temperature"] = -1; }), 400,
       inv},
      {"temperature a string", "POST", chat, with([](json& b) { b["temperature"] = "hot"; }), 400,
       inv},
      {"top_p above 1", "POST", chat, with([](json& b) { b["top_p"] = 1.5; }), 400, inv},
      {"negative max_tokens", "POST", chat, with([](json& b) { b["max_tokens"] = -5; }), 400, inv},
      {"zero max_tokens", "POST", chat, with([](json& b) { b["max_tokens"] = 0; }), 400, inv},
      {"fractional max_tokens", "POST", chat, with([](json& b) { b["max_tokens"] = 1.5; }), 400,
       inv},
      {"max_tokens a string", "POST", chat, with([](json& b) { b["max_tokens"] = "ten"; }), 400,
       inv},
      {"huge max_completion_tokens", "POST", chat,
       with([](json& b) { b["max_completion_tokens"] = 1e12; }), 400, inv},
      {"17 stop sequences", "POST", chat,
       with([](json& b) { b["stop"] = std::vector<std::string>(17, "x"); }), 400, inv},
      {"stop a number", "POST", chat, with([](json& b) { b["stop"] = 5; }), 400, inv},
      {"stop entry a number", "POST", chat, with([](json& b) { b["stop"] = json::array({1}); }),
       400, inv},
      {"n = 9", "POST", chat, with([](json& b) { b["n"] = 9; }), 400, inv},
      {"n = 0 streamed", "POST", chat, with([](json& b) {
         b["n"] = 0;
         b["stream"] = true;
       }),
       400, inv},
      {"unknown reasoning_effort", "POST", chat,
       with([](json& b) { b["reasoning_effort"] = "maximal"; }), 400, inv},
      {"reasoning_effort a number", "POST", chat, with([](json& b) { b["reasoning_effort"] = 3; }),
       400, inv},
      {"invalid UTF-8", "POST", chat,
       R"({"model":"gemini-2.5-pro","messages":[{"role":"user","content":"bad )" +
           std::string("\xff\xfe\xc3") + R"("}]})",
       400, inv},
      {"nested 200 deep", "POST", chat,
       R"({"messages":[{"role":"user","content":"hi"}],"x":)" + std::string(200, '[') +
           std::string(200, ']') + "}",
       400, inv},
      {"unknown model", "POST", chat, chat_body("hi", "gpt-9-ultra").dump(), 404, ""},
      {"huge body", "POST", chat,
       with([](json& b) { b["messages"][0]["content"] = std::string(150000, 'a'); }), 413, ""},
      {"GET on the chat route", "GET", chat, "", 405, ""},
      {"unknown route", "GET", "/v1/nothing-here", "", 404, ""},
      {"unknown model id", "GET", "/v1/models/no-such-model", "", 404, ""},
      {"cancel of an unknown request", "POST", "/v1/cancel/chatcmpl-nope", "", 404, ""},
  };
  return c;
}

// Sends raw bytes one at a time, `gap` apart, then reads the whole answer.
std::string drip_request(int port, const std::string& bytes, std::chrono::milliseconds gap) {
  int fd = tcp_connect("127.0.0.1", port);
  if (fd < 0) return "";
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (char ch : bytes) {
    if (::send(fd, &ch, 1, MSG_NOSIGNAL) != 1) break;
    std::this_thread::sleep_for(gap);  // pacing of the slow client, not a wait for a condition
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("reliability: malformed requests get the right 4xx with an OpenAI error body and the server keeps serving") {
  fleet_config cfg = with_accounts(1);
  cfg.server_args = {"--max-request-bytes", "100000"};
  fleet_fixture f(cfg);
  auto cases = bad_cases();
  REQUIRE(cases.size() >= 30);
  int right = 0;
  for (const auto& c : cases) {
    testing::header_list h;
    if (c.method == "POST") h.emplace_back("Content-Type", "application/json");
    auto r = testing::http_request(c.method, f.port(), c.target, c.body, h, 20s);
    bool good = r.status == c.status && is_openai_error(r.body);
    if (good && !c.error_type.empty()) good = r.json()["error"]["type"] == c.error_type;
    CHECK_MESSAGE(good, c.name << ": got " << r.status << " " << r.error << " " << r.body.substr(0, 300));
    if (good) ++right;
  }
  // Still serving, with the exact answer.
  auto ok = f.post("/v1/chat/completions", chat_body("still serving after abuse"));
  CHECK(ok.status == 200);
  if (ok.status == 200)
    CHECK(ok.json()["choices"][0]["message"]["content"] == expected_answer("still serving after abuse"));
  CHECK(f.sim().state()["requests"].size() == 1);  // nothing malformed reached the page
  figure("bad input: " + std::to_string(right) + "/" + std::to_string(cases.size()) +
         " malformed requests answered with the expected status and an OpenAI error body");
}

TEST_CASE("reliability: slow-drip headers do not block other clients") {
  fleet_fixture f(with_accounts(1));
  // Four clients drip a request byte by byte (~40 ms apart, ~3 s each).
  const std::string health = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: dripping\r\nConnection: close\r\n\r\n";
  const std::string bad = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                          "application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{not json";
  std::vector<std::future<std::string>> drips;
  for (int k = 0; k < 3; ++k)
    drips.push_back(std::async(std::launch::async, [&] { return drip_request(f.port(), health, 40ms); }));
  drips.push_back(std::async(std::launch::async, [&] { return drip_request(f.port(), bad, 30ms); }));

  // Meanwhile normal clients are served at normal speed.
  auto t0 = clock_type::now();
  for (int k = 0; k < 3; ++k) {
    std::string prompt = "while dripping " + std::to_string(k);
    auto r = f.post("/v1/chat/completions", chat_body(prompt), {}, 30s);
    CHECK(r.status == 200);
    if (r.status == 200) CHECK(r.json()["choices"][0]["message"]["content"] == expected_answer(prompt));
  }
  long served_ms = ms_since(t0);
  bool drips_still_running = drips[0].wait_for(0ms) != std::future_status::ready;
  std::vector<std::string> answers;
  for (auto& d : drips) answers.push_back(d.get());
  long drip_ms = ms_since(t0);
  for (int k = 0; k < 3; ++k) CHECK(answers[static_cast<std::size_t>(k)].rfind("HTTP/1.1 200", 0) == 0);
  CHECK(answers[3].rfind("HTTP/1.1 400", 0) == 0);
  CHECK(answers[3].find("invalid_request_error") != std::string::npos);
  figure("slow drip: 3 completions served in " + std::to_string(served_ms) + " ms while 4 clients dripped headers (" +
         std::to_string(drip_ms) + " ms until the last drip was answered; drips still running when done: " +
         (drips_still_running ? "yes" : "no") + ")");
  CHECK(drips_still_running);
}
