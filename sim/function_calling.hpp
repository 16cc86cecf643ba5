#pragma once
// The simulator's function calling and uploads (FACTS section 5), pure.
// - Its "model" calls a function when the prompt's last turn says
//   `call NAME {json args}` (one phrase per call) and NAME is one of the
//   declarations the page sent; otherwise it answers in text.
// - A call goes out as the site sends it: a part whose index 10 is
//   `[name, args]`, args a protobuf Struct in array form (each field
//   `[key, value]`, the value's array length giving its type), with the
//   extra nesting the site adds, and repeated by a later chunk.
// - Files the page uploaded are named in the answer (type and size).

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/answer.hpp"

namespace camoufleet::sim {

struct requested_call {
  std::string name;
  nlohmann::json args = nlohmann::json::object();
};

// The text after the last turn label (a line that is "User:", "Assistant:",
// "System Instructions:", or starts with "Tool result"); the whole prompt
// when it has no label.
std::string last_turn(const std::string& prompt);

// The `call NAME {json}` phrases of the prompt's last turn whose NAME is
// declared and whose JSON is an object, in order.
std::vector<requested_call> find_call_phrases(const std::string& prompt,
                                              const std::vector<std::string>& declared);

// A JSON value as a protobuf Value in the stream's array form.
nlohmann::json struct_value(const nlohmann::json& v);
// The function-call part: `[null, null x9, [name, [[fields...]]]]` (the
// field list wrapped once more, as the site does now and then).
std::string function_call_part(const requested_call& call);

// The pieces of an answer made of calls: one chunk per call, then the first
// call again (the site repeats calls across chunks), then the finish chunk
// and the metadata element; usage counts one candidate token per call.
std::vector<std::string> encode_calls(const std::vector<requested_call>& calls, int prompt_tokens,
                                      const std::string& trace);

// Emulated function calling (the prompt form documented in docs/guide.md,
// for a page without native function calling): the names declared in the
// prompt's block — a line starting "Functions you can call" followed by a
// line holding a JSON array of {name, ...}. Empty when there is none.
std::vector<std::string> prompt_functions(const std::string& prompt);
// The answer such a prompt asks for: a line of prose, then
// "```tool_calls\n{"tool_calls":[{"name":..,"arguments":{..}},..]}\n```".
std::string emulated_call_text(const std::vector<requested_call>& calls);
// Makes `a` answer `text` instead, in pieces of 7 characters (so a stream
// splits the block anywhere); the candidate count follows.
void answer_with_text(answer& a, const std::string& text);

struct uploaded_file {
  std::string name;
  std::string mime_type;
  long long size = 0;
};
// " [file image/png 70 bytes]" per file: put after the answer's first token.
std::vector<std::string> file_tokens(const std::vector<uploaded_file>& files);

}  // namespace camoufleet::sim
