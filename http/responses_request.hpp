#pragma once
// Turns the body of POST /v1/responses (OpenAI's Responses API, as the
// Agents SDK, Codex and the AI SDK send it) into the same completion_request
// a chat completion becomes, or into the 400 an OpenAI client expects. Pure:
// no I/O, no threads, never throws.
//
// The request is rewritten into the chat shape and read by the chat
// request's own reader, so both routes accept and refuse the same things;
// a refusal then names the Responses field (`input[2]`, `text.format`,
// `tools[0].parameters...`). `previous_response_id` and `item_reference`
// items are looked up in the server's memory of earlier answers
// (http/response_store.hpp); `conversation` is refused. A `background`
// request is answered at once with the response queued (or, streamed, with
// its events as they come), and read back by GET /v1/responses/{id}
// (http/background.cpp).

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "http/chat_request.hpp"
#include "http/response_store.hpp"

namespace camoufleet::http {

struct responses_parse_result {
  chat_parse_result chat;  // ok, the request or the error, as for chat completions
  // The request's settings as the response object repeats them
  // (instructions, tools, temperature, text, ...): responses_stream.hpp.
  nlohmann::json echo = nlohmann::json::object();
  // What to remember once answered (unless `store` is false): the response
  // it continues ("" = none) and its own input items, references resolved.
  std::string previous_response_id;
  nlohmann::json input_items = nlohmann::json::array();
  bool store = true;
  bool background = false;  // `background: true` (never unstored)
};

// The request's settings as its response object repeats them (pure).
nlohmann::json responses_echo(const nlohmann::json& doc);

// memory: earlier answers; nullptr (or an empty store) refuses
// previous_response_id and item_reference as unknown.
responses_parse_result parse_responses_request(std::string_view body, bool fetch_image_urls = false,
                                               const response_store* memory = nullptr);

// The input items as GET /v1/responses/{id}/input_items lists them and
// `item_reference` finds them: each with an id (one it came with, else
// "msg_<response>_in<i>", "fc_...", "fco_..." after its type) and a
// message's string content as one text part.
void name_input_items(nlohmann::json& items, const std::string& response_id);

}  // namespace camoufleet::http
