#pragma once
// Turns the body of POST /v1/responses (OpenAI's Responses API, as the
// Agents SDK, Codex and the AI SDK send it) into the same completion_request
// a chat completion becomes, or into the 400 an OpenAI client expects. Pure:
// no I/O, no threads, never throws.
//
// The request is rewritten into the chat shape and read by the chat
// request's own reader, so both routes accept and refuse the same things;
// a refusal then names the Responses field (`input[2]`, `text.format`,
// `tools[0].parameters...`). Nothing is stored: `previous_response_id`,
// `conversation`, `item_reference` and `background` are refused with a 400
// saying to send the whole conversation in `input`.

#include <nlohmann/json.hpp>
#include <string_view>

#include "http/chat_request.hpp"

namespace camoufleet::http {

struct responses_parse_result {
  chat_parse_result chat;  // ok, the request or the error, as for chat completions
  // The request's settings as the response object repeats them
  // (instructions, tools, temperature, text, ...): responses_stream.hpp.
  nlohmann::json echo = nlohmann::json::object();
};

responses_parse_result parse_responses_request(std::string_view body,
                                               bool fetch_image_urls = false);

}  // namespace camoufleet::http
