#pragma once
// Turns the body of POST /v1/completions (OpenAI's legacy text completions,
// still what LangChain's `OpenAI` LLM and text-completion front ends send)
// into the chat request the fleet answers: the prompt as the one user turn,
// and the fields both shapes share (model, stream, stream_options,
// temperature, top_p, max_tokens, stop, n) read by the chat parser, so they
// are checked with the same words. Several prompts (a list, as LangChain
// batches them) are answered side by side like `n` choices, each prompt
// `n` times, in OpenAI's order. Refused by name, because honouring them is
// beyond a chat page: token ids, `echo`, `suffix` and `best_of` above `n`. `logprobs` is answered
// with null, as on the chat route. An unset `max_tokens` leaves the site's own output length
// (OpenAI's default of 16 tokens would cut every answer short). Pure: no I/O, no threads, never
// throws.

#include <string_view>

#include "http/chat_request.hpp"

namespace camoufleet::http {

// The most fleet requests one body may make: prompts times `n` (each is a
// page's answer; LangChain sends up to 20 prompts at once).
constexpr int max_prompt_parts = 20;

chat_parse_result parse_text_completion_request(std::string_view body);

}  // namespace camoufleet::http
