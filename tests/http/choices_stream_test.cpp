// A streamed chat completion with `n` choices (http/choices_stream.*): each
// choice's chunks tagged with its index as they come, interleaved; one
// usage chunk and one [DONE] once every choice has finished.
#include "http/choices_stream.hpp"

#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sse_chunks.hpp"

using namespace camoufleet;
using namespace camoufleet::http;
using nlohmann::json;

namespace {

completion_meta meta() {
  return {"chatcmpl-n", 1700000000, "gemini-2.5-pro"};
}

request_delta text(const std::string& content) {
  request_delta d;
  d.content = content;
  return d;
}

request_finished done(const std::string& content, int completion_tokens) {
  request_finished f;
  f.content = content;
  f.finish_reason = "stop";
  f.prompt_tokens = 10;
  f.completion_tokens = completion_tokens;
  return f;
}

std::vector<json> chunks(std::string body) { return testing::sse_chunks(std::move(body)); }

}  // namespace

TEST_CASE("choices stream: each choice's chunks carry its index, interleaved, ended once") {
  choices_stream s(meta(), 3, true);
  std::string body = s.on_choice_delta(1, text("Hel"));
  body += s.on_choice_delta(0, text("Hi"));
  body += s.on_choice_delta(1, text("lo"));
  body += s.on_choice_finished(1, done("Hello", 2));
  CHECK_FALSE(s.ended());
  body += s.on_choice_finished(2, done("Hey", 1));  // no delta before: its role and text at once
  body += s.on_choice_finished(0, done("Hi!", 3));  // the rest of its text first
  CHECK(s.ended());
  CHECK(s.on_choice_delta(0, text("late")).empty());

  std::map<int, std::string> texts;
  std::map<int, int> roles, finishes;
  int usage = 0, dones = 0;
  const auto all = chunks(body);
  for (std::size_t k = 0; k < all.size(); ++k) {
    const auto& c = all[k];
    if (c == "[DONE]") {
      ++dones;
      CHECK(k == all.size() - 1);
      continue;
    }
    CHECK(c["id"] == "chatcmpl-n");
    if (c["choices"].empty()) {  // the usage chunk
      ++usage;
      CHECK(c["usage"]["prompt_tokens"] == 10);  // once, though three pages read it
      CHECK(c["usage"]["completion_tokens"] == 6);
      CHECK(c["usage"]["total_tokens"] == 16);
      continue;
    }
    REQUIRE(c["choices"].size() == 1);
    const auto& choice = c["choices"][0];
    const int i = choice["index"];
    const auto& delta = choice["delta"];
    if (delta.contains("role")) {
      ++roles[i];
      CHECK(texts[i].empty());  // the role comes first
    }
    if (delta.contains("content")) texts[i] += delta["content"].get<std::string>();
    if (!choice["finish_reason"].is_null()) ++finishes[i];
  }
  CHECK(texts == std::map<int, std::string>{{0, "Hi!"}, {1, "Hello"}, {2, "Hey"}});
  CHECK(roles == std::map<int, int>{{0, 1}, {1, 1}, {2, 1}});
  CHECK(finishes == std::map<int, int>{{0, 1}, {1, 1}, {2, 1}});
  CHECK(usage == 1);
  CHECK(dones == 1);
}

TEST_CASE("choices stream: without include_usage no usage chunk, and a failure ends it all") {
  choices_stream s(meta(), 2, false);
  std::string body = s.on_choice_delta(0, text("A"));
  body += s.on_choice_finished(0, done("A", 1));
  body += s.on_choice_finished(0, done("A again", 1));  // a choice ends once
  CHECK_FALSE(s.ended());
  body += s.on_choice_finished(1, done("B", 1));
  for (const auto& c : chunks(body))
    if (c != "[DONE]") CHECK_FALSE(c["choices"].empty());
  CHECK(chunks(body).back() == "[DONE]");

  choices_stream f(meta(), 2, true);
  std::string cut = f.on_choice_delta(1, text("Par"));
  error_reply e;
  e.status = 502;
  e.type = "api_error";
  e.message = "Choice 0 of 2 failed: the page broke.";
  cut += f.on_failed(e);
  CHECK(f.ended());
  CHECK(f.on_choice_finished(0, done("late", 1)).empty());
  const auto all = chunks(cut);
  REQUIRE(all.size() == 4);  // role, "Par", the error, [DONE]
  CHECK(all[2]["error"]["message"] == "Choice 0 of 2 failed: the page broke.");
  CHECK(all[3] == "[DONE]");
}
