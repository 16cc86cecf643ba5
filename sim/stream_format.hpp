#pragma once
// The wire format of the MakerSuite RPCs as the real site sends them
// (FACTS section 1, public captures): GenerateContent streams one JSON
// document growing chunk by chunk.

#include <string>
#include <vector>

#include "sim/answer.hpp"

namespace camoufleet::sim {

// The real body (docs/aistudio-site.md, FACTS section 1) is the chunk list
// wrapped twice with a trailing metadata element: `[[chunk, ..., meta]]`.
// chunk = [candidates, promptFeedback|null, usage, null, null, null, null, "v1_<trace>"]
// usage = [prompt, candidates|null, total, null, [[1,prompt]], null, null, null, null, thoughts]
struct usage_counts {
  int prompt = 0;
  int candidates = 0;  // 0 is written as null, as the site does before any text
  int thoughts = 0;
};
std::string text_part(const std::string& text);
std::string thought_part(const std::string& text);
std::string signature_part(const std::string& signature);
// One chunk holding one part; finish 0 = no finish reason yet.
std::string make_chunk(const std::string& part_json, const usage_counts& u, int finish = 0,
                       const std::string& trace = "v1_sim");
std::string meta_element(const std::string& id);

// Every piece written for an answer, in order: "[[" + first chunk, then
// "," + chunk for each next one, then "," + meta + "]]". Joined, they form
// the full body. One piece = one HTTP chunk on the wire.
std::vector<std::string> encode_answer(const answer& a, const std::string& trace = "v1_sim");

// Walks s from `from`, skipping JSON strings, and calls on_bracket(i, c)
// for each [ ] { } outside them; returns the first i for which it returned
// true, npos when none did.
template <class F>
std::size_t scan_brackets(const std::string& s, std::size_t from, F&& on_bracket) {
  bool in_string = false, escaped = false;
  for (std::size_t i = from; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if ((c == '[' || c == ']' || c == '{' || c == '}') && on_bracket(i, c)) {
      return i;
    }
  }
  return std::string::npos;
}

// Splits a body in the real form after each element of its chunk list (the
// array two levels down), so that a captured body can be replayed as the
// site streams it. A body with no such list is one piece.
std::vector<std::string> split_body(const std::string& body);

// What the site's own page makes of a complete body (it reads the list two
// levels down and picks a part's kind by field position).
struct decoded_stream {
  std::string text;
  std::string reasoning;
  int finish = 0;  // 0: no finish seen
  std::string finish_message;
  int prompt_tokens = 0;
  int candidates_tokens = 0;
  int thoughts_tokens = 0;
  int total_tokens = 0;
  int chunks = 0;
  int function_calls = 0;
  int error_code = 0;  // a `[code,"message"]` error pair instead of chunks
  std::string error_message;
};
// Throws nlohmann::json::exception on malformed input.
decoded_stream decode_stream(const std::string& body);

// ListModels response body.
struct model_entry {
  std::string id;  // without "models/"
  std::string version;
  std::string display_name;
  std::string description;
  int max_output_tokens = 65536;
  bool thinking = false;
  bool thinking_level = false;  // a "Thinking Level" select instead of a budget (Gemini 3)
  bool newer = false;           // listed only by the 2026 UI variant
};
const std::vector<model_entry>& known_models();
const model_entry* find_model(const std::string& id_or_name);
std::string list_models_body(bool with_newer_models = false);

std::string rate_limit_body();
std::string internal_error_body();
std::string unauthenticated_body();

}  // namespace camoufleet::sim
