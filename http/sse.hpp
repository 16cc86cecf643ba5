#pragma once
// Bytes on the wire for completions: HTTP/1.1 chunk framing, SSE event
// framing, and the OpenAI JSON objects (FACTS.md §2). Pure, never throws on
// any input (invalid UTF-8 from the site is replaced, not rejected).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/types.hpp"

namespace camoufleet::http {

// ---- HTTP/1.1 chunked transfer coding ----
// "<hex length>\r\n<data>\r\n"; empty data gives "" because an empty chunk
// would end the body.
std::string chunk_frame(std::string_view data);
// "0\r\n\r\n": the end of a chunked body.
std::string_view chunk_terminator();

// ---- Server-sent events ----
// "data: <payload>\n\n"; payload must be one line (JSON from dump() is).
std::string sse_event(std::string_view payload);
// "event: <name>\ndata: <payload>\n\n" (the Responses API names its events);
// name and payload must be one line each.
std::string sse_named_event(std::string_view name, std::string_view payload);
// ": <text>\n\n", ignored by every SSE client.
std::string sse_comment(std::string_view text);
std::string_view sse_keep_alive();  // ": keep-alive\n\n"
std::string_view sse_done();        // "data: [DONE]\n\n"

// ---- OpenAI objects ----
// The usage object; completion_tokens includes reasoning_tokens, which are
// also given apart (completion_tokens_details) when there are any.
struct token_usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int reasoning_tokens = 0;
};
// What every chunk of one completion shares.
struct completion_meta {
  std::string id;
  std::int64_t created = 0;  // unix seconds
  std::string model;
  int choice = 0;  // a chunk's choice index (`n` choices streamed)
  // The legacy text completion's shape (POST /v1/completions): objects
  // "text_completion", a choice's words in "text" (no role, no reasoning,
  // no tool calls), "logprobs": null.
  bool text = false;
};

// chat.completion for a non-stream answer (text_completion for meta.text).
std::string completion_json(const completion_meta& meta, const request_finished& done);
// n choices (`n`), each a page's answer, choice i from choices[i]; usage
// counts each prompt once and every choice's answer. per_prompt: how many
// choices in a row answer one prompt (several prompts: /v1/completions);
// 0 = all of them, one prompt.
std::string completion_json(const completion_meta& meta,
                            const std::vector<request_finished>& choices, int per_prompt = 0);
// The prompt tokens of n choices: those of each prompt's first choice
// (per_prompt as above).
int prompt_tokens_once(const std::vector<request_finished>& choices, int per_prompt);
// chat.completion.chunk with delta {"role":"assistant","content":""}.
std::string role_chunk_json(const completion_meta& meta);
// chat.completion.chunk carrying content and/or reasoning_content (empty
// fields are left out of the delta); for meta.text, a text_completion
// chunk whose "text" is the content (the reasoning is not sent).
std::string delta_chunk_json(const completion_meta& meta, std::string_view content,
                             std::string_view reasoning);
// chat.completion.chunk whose delta carries one tool call in full:
// {"tool_calls":[{"index", "id", "type":"function", "function":{name, arguments}}]}.
std::string tool_call_chunk_json(const completion_meta& meta, int index,
                                 const core::tool_call& call);
// chat.completion.chunk with an empty delta and the finish reason (meta.text:
// "text": "").
std::string finish_chunk_json(const completion_meta& meta, std::string_view finish_reason);
// chat.completion.chunk with "choices":[] and usage (stream_options.include_usage).
std::string usage_chunk_json(const completion_meta& meta, const token_usage& usage);

// "stop" | "length" | "content_filter" | "tool_calls" pass through; anything
// else is reported as "stop".
std::string_view normalize_finish_reason(std::string_view reason);

}  // namespace camoufleet::http
