#pragma once
// The simulator's deterministic "model": the answer is a pure function of the
// prompt, the model and the generation settings (never of the account), so
// any test can compute the exact text it must see. Rules: sim/README.md.

#include <cstdint>
#include <string>
#include <vector>

namespace camoufleet::sim {

struct answer_input {
  std::string prompt;
  std::string model = "gemini-2.5-pro";  // with or without "models/"
  double temperature = 1.0;
  double top_p = 0.95;
  int max_output_tokens = 65536;  // <= 0: no limit
  std::vector<std::string> stop;
  bool thinking = false;
  int thinking_budget = -1;  // <= 0: automatic
  int length = 24;           // text tokens before cuts (the --tokens pacing value)
  // Tokens about the files the page uploaded, put right after the first
  // text token (sim/function_calling.hpp: file_tokens()).
  std::vector<std::string> file_notes;
};

enum finish_code : int { finish_stop = 1, finish_length = 2, finish_blocked = 8 };

struct answer {
  std::vector<std::string> reasoning_tokens;
  std::vector<std::string> text_tokens;
  int finish = finish_stop;
  int prompt_tokens = 0;
  int candidates_tokens = 0;  // the answer's text tokens
  int thoughts_tokens = 0;    // the reasoning tokens (counted apart, as the site does)
  int total_tokens = 0;       // prompt + candidates + thoughts

  std::string text() const;
  std::string reasoning() const;
  const char* finish_reason() const;  // "stop" | "length" (OpenAI names)
};

answer compute_answer(const answer_input& in);

// Helpers, public because tests and the page's expectations use them.
std::uint32_t fnv1a32(const std::string& s);
std::vector<std::string> split_words(const std::string& s);
std::string strip_model_prefix(const std::string& model);  // "models/x" -> "x"

}  // namespace camoufleet::sim
