#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "http/completion_stream.hpp"
#include "http/sse.hpp"

using namespace camoufleet;
using namespace camoufleet::http;
using nlohmann::json;

namespace {

completion_meta meta() { return completion_meta{"chatcmpl-abc", 1700000000, "gemini-2.5-pro"}; }

// Splits "data: x\n\n" events; comments are kept with their ':'.
std::vector<std::string> events(const std::string& sse) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < sse.size()) {
    auto end = sse.find("\n\n", pos);
    REQUIRE(end != std::string::npos);
    out.push_back(sse.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

json data_of(const std::string& event) {
  REQUIRE(event.rfind("data: ", 0) == 0);
  return json::parse(event.substr(6));
}

}  // namespace

TEST_CASE("sse: chunk framing is byte exact") {
  CHECK(chunk_frame("hello") == "5\r\nhello\r\n");
  CHECK(chunk_frame(std::string(26, 'x')) == "1a\r\n" + std::string(26, 'x') + "\r\n");
  CHECK(chunk_frame(std::string(4096, 'y')).substr(0, 5) == "1000\r");
  CHECK(chunk_frame("") == "");
  CHECK(chunk_terminator() == "0\r\n\r\n");
  const std::string bin("a\0b", 3);
  CHECK(chunk_frame(bin) == std::string("3\r\na\0b\r\n", 8));
}

TEST_CASE("sse: event and comment framing is byte exact") {
  CHECK(sse_event(R"({"a":1})") == "data: {\"a\":1}\n\n");
  CHECK(sse_comment("keep-alive") == ": keep-alive\n\n");
  CHECK(sse_comment("two\nlines") == ": two lines\n\n");
  CHECK(sse_keep_alive() == ": keep-alive\n\n");
  CHECK(sse_done() == "data: [DONE]\n\n");
}

TEST_CASE("sse: chunk JSON objects follow the OpenAI shape byte for byte") {
  const auto m = meta();
  CHECK(role_chunk_json(m) ==
        R"({"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,)"
        R"("model":"gemini-2.5-pro","choices":[{"index":0,"delta":{"role":"assistant",)"
        R"("content":""},"finish_reason":null}]})");
  CHECK(delta_chunk_json(m, "Hi", "") ==
        R"({"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,)"
        R"("model":"gemini-2.5-pro","choices":[{"index":0,"delta":{"content":"Hi"},)"
        R"("finish_reason":null}]})");
  CHECK(finish_chunk_json(m, "length") ==
        R"({"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,)"
        R"("model":"gemini-2.5-pro","choices":[{"index":0,"delta":{},"finish_reason":"length"}]})");
  CHECK(usage_chunk_json(m, {3, 4, 0}) ==
        R"({"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,)"
        R"("model":"gemini-2.5-pro","choices":[],"usage":{"prompt_tokens":3,)"
        R"("completion_tokens":4,"total_tokens":7}})");
  CHECK(usage_chunk_json(m, {3, 4, 2}) ==
        R"({"id":"chatcmpl-abc","object":"chat.completion.chunk","created":1700000000,)"
        R"("model":"gemini-2.5-pro","choices":[],"usage":{"prompt_tokens":3,)"
        R"("completion_tokens":4,"total_tokens":7,"completion_tokens_details":)"
        R"({"reasoning_tokens":2}}})");
  auto both = json::parse(delta_chunk_json(m, "c", "r"));
  CHECK(both["choices"][0]["delta"]["content"] == "c");
  CHECK(both["choices"][0]["delta"]["reasoning_content"] == "r");
  auto only_reasoning = json::parse(delta_chunk_json(m, "", "think"));
  CHECK_FALSE(only_reasoning["choices"][0]["delta"].contains("content"));
}

TEST_CASE("sse: a completion of n choices, the prompt counted once") {
  std::vector<request_finished> choices(3);
  for (int i = 0; i < 3; ++i) {
    choices[i].content = "answer " + std::to_string(i);
    choices[i].finish_reason = i == 1 ? "length" : "stop";
    choices[i].prompt_tokens = 10;
    choices[i].completion_tokens = 2 + i;
    choices[i].reasoning_tokens = 1;
  }
  choices[2].tool_calls = {{"call_1", "f", "{}"}};
  const auto j = json::parse(completion_json(meta(), choices));
  REQUIRE(j["choices"].size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(j["choices"][i]["index"] == i);
    CHECK(j["choices"][i]["message"]["content"] == "answer " + std::to_string(i));
  }
  CHECK(j["choices"][1]["finish_reason"] == "length");
  CHECK(j["choices"][2]["message"]["tool_calls"][0]["id"] == "call_1");
  CHECK(j["usage"]["prompt_tokens"] == 10);
  CHECK(j["usage"]["completion_tokens"] == 2 + 3 + 4);
  CHECK(j["usage"]["total_tokens"] == 19);
  CHECK(j["usage"]["completion_tokens_details"]["reasoning_tokens"] == 3);
}

TEST_CASE("sse: non-stream completion object") {
  request_finished f;
  f.content = "Hello there";
  f.reasoning = "pondering";
  f.finish_reason = "stop";
  f.prompt_tokens = 10;
  f.completion_tokens = 2;
  auto j = json::parse(completion_json(meta(), f));
  CHECK(j["id"] == "chatcmpl-abc");
  CHECK(j["object"] == "chat.completion");
  CHECK(j["created"] == 1700000000);
  CHECK(j["model"] == "gemini-2.5-pro");
  REQUIRE(j["choices"].size() == 1);
  CHECK(j["choices"][0]["index"] == 0);
  CHECK(j["choices"][0]["message"]["role"] == "assistant");
  CHECK(j["choices"][0]["message"]["content"] == "Hello there");
  CHECK(j["choices"][0]["message"]["reasoning_content"] == "pondering");
  CHECK(j["choices"][0]["finish_reason"] == "stop");
  CHECK(j["usage"] == json{{"prompt_tokens", 10}, {"completion_tokens", 2}, {"total_tokens", 12}});
  f.finish_reason = "content_filter";
  CHECK(json::parse(completion_json(meta(), f))["choices"][0]["finish_reason"] ==
        "content_filter");
  f.finish_reason = "weird";
  CHECK(json::parse(completion_json(meta(), f))["choices"][0]["finish_reason"] == "stop");
  f.reasoning_tokens = 1;
  CHECK(json::parse(completion_json(meta(), f))["usage"]["completion_tokens_details"] ==
        json{{"reasoning_tokens", 1}});
}

TEST_CASE("sse: invalid UTF-8 from the site does not break the output") {
  request_finished f;
  f.content = "bad \xff byte";
  const auto s = completion_json(meta(), f);
  CHECK_NOTHROW(json::parse(s));
  CHECK_NOTHROW(json::parse(delta_chunk_json(meta(), "\xc3", "")));
}

TEST_CASE("completion_stream: role, deltas, finish, usage, DONE with one id") {
  completion_stream s(meta(), /*include_usage=*/true);
  std::string out;
  request_delta d1;
  d1.reasoning = "hmm";
  out += s.on_delta(d1);
  CHECK(s.role_sent());
  request_delta d2;
  d2.content = "Hel";
  out += s.on_delta(d2);
  request_delta d3;
  d3.content = "lo";
  out += s.on_delta(d3);
  request_finished f;
  f.content = "Hello";
  f.reasoning = "hmm";
  f.finish_reason = "stop";
  f.prompt_tokens = 5;
  f.completion_tokens = 1;
  out += s.on_finished(f);
  CHECK(s.ended());
  CHECK(s.on_delta(d2).empty());  // nothing after the end

  auto ev = events(out);
  REQUIRE(ev.size() == 7);
  CHECK(data_of(ev[0])["choices"][0]["delta"] == json{{"role", "assistant"}, {"content", ""}});
  CHECK(data_of(ev[1])["choices"][0]["delta"]["reasoning_content"] == "hmm");
  CHECK(data_of(ev[2])["choices"][0]["delta"]["content"] == "Hel");
  CHECK(data_of(ev[3])["choices"][0]["delta"]["content"] == "lo");
  auto fin = data_of(ev[4]);
  CHECK(fin["choices"][0]["delta"] == json::object());
  CHECK(fin["choices"][0]["finish_reason"] == "stop");
  auto usage = data_of(ev[5]);
  CHECK(usage["choices"] == json::array());
  CHECK(usage["usage"]["total_tokens"] == 6);
  CHECK(ev[6] == "data: [DONE]");
  for (int i = 0; i < 6; ++i) {
    auto j = data_of(ev[static_cast<std::size_t>(i)]);
    CHECK(j["id"] == "chatcmpl-abc");
    CHECK(j["created"] == 1700000000);
    CHECK(j["model"] == "gemini-2.5-pro");
    CHECK(j["object"] == "chat.completion.chunk");
  }
}

TEST_CASE("completion_stream: an answer that only comes with finished is still streamed") {
  completion_stream s(meta(), /*include_usage=*/false);
  request_finished f;
  f.content = "All at once";
  f.finish_reason = "length";
  auto ev = events(s.on_finished(f));
  REQUIRE(ev.size() == 4);  // role, content, finish, DONE (no usage)
  CHECK(data_of(ev[1])["choices"][0]["delta"]["content"] == "All at once");
  CHECK(data_of(ev[2])["choices"][0]["finish_reason"] == "length");
  CHECK(ev[3] == "data: [DONE]");
}

TEST_CASE("completion_stream: finished sends only the part the deltas missed") {
  completion_stream s(meta(), false);
  request_delta d;
  d.content = "Hello";
  s.on_delta(d);
  request_finished f;
  f.content = "Hello world";
  auto ev = events(s.on_finished(f));
  REQUIRE(ev.size() == 3);
  CHECK(data_of(ev[0])["choices"][0]["delta"]["content"] == " world");
}

TEST_CASE("completion_stream: a failure after the start is an error event then DONE") {
  completion_stream s(meta(), true);
  request_delta d;
  d.content = "partial";
  s.on_delta(d);
  auto e = map_error(error_code::browser_gone, "browser crashed");
  auto ev = events(s.on_failed(e));
  REQUIRE(ev.size() == 2);
  auto err = data_of(ev[0]);
  CHECK(err["error"]["message"] == "browser crashed");
  CHECK(err["error"]["code"] == "browser_gone");
  CHECK(err["error"]["type"] == "upstream_error");
  CHECK(ev[1] == "data: [DONE]");
  CHECK(s.ended());
  request_finished f;
  CHECK(s.on_finished(f).empty());
}

TEST_CASE("stream_response_head: chunked event-stream with sanitized extra headers") {
  auto head = stream_response_head({{"X-Request-Id", "chatcmpl-1"}, {"X-Evil", "a\r\nSet-Cookie: x"}});
  CHECK(head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(head.find("Content-Type: text/event-stream\r\n") != std::string::npos);
  CHECK(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(head.find("X-Request-Id: chatcmpl-1\r\n") != std::string::npos);
  CHECK(head.find("\r\nSet-Cookie") == std::string::npos);
  CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
}
