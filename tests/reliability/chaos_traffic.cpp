// The chaos case's traffic (chaos_traffic.hpp).
#include "tests/reliability/chaos_traffic.hpp"

#include "tests/e2e/sse_reader.hpp"
#include "tests/reliability/rel_support.hpp"

namespace camoufleet::reliability {

using namespace camoufleet::e2e;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A 4xx/5xx with an OpenAI error body: "<status> <code>".
std::string error_outcome(const testing::http_response& r) {
  auto j = json::parse(r.body, nullptr, false);
  std::string code = j.is_object() && j.contains("error") && j["error"].contains("code") &&
                             j["error"]["code"].is_string()
                         ? j["error"]["code"].get<std::string>()
                         : "-";
  return std::to_string(r.status) + " " + code;
}

void run_one(const fleet_fixture& f, int client, int i, tally& t);

// An answer other than 200: an OpenAI error is an outcome of its kind,
// anything else (no answer, a body that is no error object) is bad.
void add_refusal(tally& t, const std::string& kind, const testing::http_response& r) {
  if (r.status >= 400 && is_openai_error(r.body))
    t.add(kind, error_outcome(r));
  else
    t.fail(kind + " ended " + std::to_string(r.status) + " " + r.error);
}

// A stream cancelled through POST /v1/cancel/{id} once its first piece
// (which names the id) arrived: the cancel answers 200 (or 404 when the
// answer ended first) and the stream still ends with [DONE], after an error
// event or with the whole answer.
void cancel_through_api(const fleet_fixture& f, const std::string& prompt, const std::string& expected,
                        tally& t) {
  std::string cancel_outcome = "no id seen";
  auto r = testing::http_request_stream(
      "POST", f.port(), "/v1/chat/completions", chat_body(prompt, "gemini-2.5-pro", true).dump(),
      {{"Content-Type", "application/json"}},
      [&](const std::string& piece) {
        const auto at = piece.find("\"id\":\"chatcmpl-");
        if (at == std::string::npos || cancel_outcome != "no id seen") return true;
        const auto from = at + 6;
        const std::string id = piece.substr(from, piece.find('"', from) - from);
        auto c = f.post("/v1/cancel/" + id, json::object(), {}, 10s);
        if (c.status == 200 || (c.status == 404 && is_openai_error(c.body)))
          cancel_outcome = std::to_string(c.status);
        else
          t.fail("cancel answered " + std::to_string(c.status) + ": " + c.body.substr(0, 200));
        return true;
      },
      60s);
  if (r.status != 200) return add_refusal(t, "cancelled stream", r);
  auto sse = parse_sse(r.body);
  const bool errored = sse.has_error_event();
  if (!sse.done()) t.fail("cancelled stream without [DONE]: " + r.error);
  if (!errored && sse.content() != expected)
    t.fail("cancelled stream neither stopped nor whole: " + sse.content().substr(0, 200));
  t.add("cancelled stream", "cancel " + cancel_outcome + (errored ? ", error event" : ", whole answer"));
}

}  // namespace

void run_client(const fleet_fixture& f, int client, const std::atomic<bool>& stop, tally& t) {
  for (int i = 0; !stop.load(); ++i) {
    try {
      run_one(f, client, i, t);
    } catch (const std::exception& e) {
      t.fail(std::string("client threw: ") + e.what());
    }
  }
}

namespace {

void run_one(const fleet_fixture& f, int client, int i, tally& t) {
  const std::string prompt = "chaos " + std::to_string(client) + "-" + std::to_string(i);
  const std::string expected = expected_answer(prompt);
  switch (i % 5) {
    case 0:
    case 1: {  // non-stream
      auto r = f.post("/v1/chat/completions", chat_body(prompt), {}, 60s);
      if (r.status == 200) {
        auto j = json::parse(r.body, nullptr, false);
        const bool exact = !j.is_discarded() &&
                           j["choices"][0]["message"]["content"] == expected;
        if (!exact) t.fail("non-stream 200 with another text: " + r.body.substr(0, 200));
        t.add("non-stream", "200");
      } else {
        add_refusal(t, "non-stream", r);
      }
      break;
    }
    case 2: {  // stream with usage
      auto body = chat_body(prompt, "gemini-2.5-pro", true);
      body["stream_options"] = {{"include_usage", true}};
      auto r = f.post("/v1/chat/completions", body, {}, 60s);
      if (r.status == 200) {
        auto sse = parse_sse(r.body);
        const bool errored = sse.has_error_event();
        if (!sse.done()) t.fail("stream without [DONE]: " + r.error);
        if (!errored && sse.content() != expected)
          t.fail("stream with another text: " + sse.content().substr(0, 200));
        if (!errored && !sse.chunks().empty() && !sse.chunks().back().contains("usage"))
          t.fail("stream without its usage chunk");
        t.add("stream", errored ? "200 + error event" : "200");
      } else {
        add_refusal(t, "stream", r);
      }
      break;
    }
    case 3: {
      if ((i / 5) % 2 == 1) {
        cancel_through_api(f, prompt, expected, t);
        break;
      }
      // The client goes away after the first piece.
      bool got_piece = false;
      auto r = testing::http_request_stream(
          "POST", f.port(), "/v1/chat/completions",
          chat_body(prompt, "gemini-2.5-pro", true).dump(), {{"Content-Type", "application/json"}},
          [&](const std::string& piece) {
            if (!piece.empty()) got_piece = true;
            return !got_piece;
          },
          60s);
      if (r.status == 0 && !got_piece) t.fail("dropped stream got no answer: " + r.error);
      t.add("dropped stream", got_piece ? "dropped" : std::to_string(r.status));
      break;
    }
    default: {  // nothing for the site to answer
      auto r = f.post("/v1/chat/completions", json{{"messages", {{{"role", "assistant"}}}}}, {}, 10s);
      if (r.status != 400 || !is_openai_error(r.body))
        t.fail("bad request ended " + std::to_string(r.status));
      t.add("bad request", std::to_string(r.status));
      break;
    }
  }
}

}  // namespace

}  // namespace camoufleet::reliability
