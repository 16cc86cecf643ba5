#pragma once
// The body the simulator's page POSTs to GenerateContent, parsed, and what
// the answer generator takes from it. Pure.

#include <optional>
#include <string>
#include <vector>

#include "sim/answer.hpp"
#include "sim/function_calling.hpp"

namespace camoufleet::sim {

// The body the simulator's page POSTs to GenerateContent (sim/README.md).
struct generate_params {
  std::string prompt;
  std::string model = "gemini-2.5-pro";  // without "models/"
  double temperature = 1.0;
  double top_p = 0.95;
  int max_output_tokens = 65536;
  std::vector<std::string> stop;
  bool thinking = false;
  int thinking_budget = -1;
  std::string thinking_level;  // "low" | "high" on models with a Thinking Level select
  // The names of the function declarations the page holds while function
  // calling is on (`"tools": [{name, ...}]`), and the uploaded files
  // (`"files": [{name, type, size}]`).
  std::vector<std::string> tools;
  // The page's Google Search grounding and URL context switches at Run
  // (`"grounding"`, `"url_context"`).
  bool grounding = false;
  bool url_context = false;
  std::vector<uploaded_file> files;
};
// nullopt + error message on a malformed body.
std::optional<generate_params> parse_generate_body(const std::string& body, std::string& error);
answer_input to_answer_input(const generate_params& p, int length);

}  // namespace camoufleet::sim
