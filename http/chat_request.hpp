#pragma once
// Turns the body of POST /v1/chat/completions into a completion_request, or
// into the 400 an OpenAI client expects (message naming the field, `param`).
// Pure: no I/O, no threads, never throws.

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/types.hpp"

namespace camoufleet::http {

struct request_error {
  int status = 400;
  std::string message;
  std::string param;  // "" = no specific field (becomes null on the wire)
};

struct chat_parse_result {
  bool ok = false;
  completion_request request;  // id and received_ms are left for the caller
  bool include_usage = false;  // stream_options.include_usage
  // `n`: choices wanted, 1..max_choices; each is a page's answer of its
  // own, asked of the fleet in parallel (never streamed).
  int choices = 1;
  // POST /v1/completions with several prompts (LangChain batches them):
  // each is answered `choices` times, part i answering prompts[i /
  // choices] (OpenAI's order); the request's own turn is prompts[0].
  // Empty: every part answers the request's turn.
  std::vector<std::string> prompts;
  // The fleet requests this one makes: choices, times the prompts.
  int parts() const { return choices * (prompts.empty() ? 1 : static_cast<int>(prompts.size())); }
  // --image-urls fetch: http:// image URLs become placeholders to fetch
  // (request_parts.hpp, read_image_part); an input of parse_chat_request.
  bool fetch_image_urls = false;
  // What the caller named each message ("input[2]" on /v1/responses), for
  // errors found after parsing (a URL that cannot be fetched); empty:
  // "messages[i]".
  std::vector<std::string> message_names;
  request_error error;
};

// The most choices (`n`) one request may ask for: each takes a page.
constexpr int max_choices = 8;

// Nesting deeper than this is refused before the JSON parser sees it, so a
// hostile body cannot make parsing or destruction recurse without bound.
constexpr int max_json_depth = 64;
// More stop sequences than the site takes; lenient on purpose (OpenAI: 4).
constexpr std::size_t max_stop_sequences = 16;

chat_parse_result parse_chat_request(std::string_view body, bool fetch_image_urls = false);

// The two steps of parse_chat_request, for routes that speak another shape
// (http/responses_request.hpp): the body as a JSON object, or the 400 for
// one that is not (invalid UTF-8, nested too deeply, not JSON, not an
// object); then a chat request read from that object.
std::optional<request_error> read_json_body(std::string_view body, nlohmann::json& doc);
chat_parse_result parse_chat_document(const nlohmann::json& doc, bool fetch_image_urls = false);

// RFC 3629 UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

}  // namespace camoufleet::http
