#pragma once
// How OpenAI tools reach the model (--tool-mode): the page's own function
// declarations, or described in the prompt with the calls read back from
// the answer's text (site/emulated_tools.hpp). Plain enum + its names.

#include <optional>
#include <string>

namespace camoufleet::core {

enum class tool_mode {
  automatic,  // "auto": native where the page shows the function-calling tool box for the model
  native,     // the page's function declarations, always
  emulated,   // described in the prompt, calls parsed from the answer text
};

const char* to_string(tool_mode m);
// "auto" | "native" | "emulated" (already lower-cased) -> the mode; nullopt otherwise.
std::optional<tool_mode> parse_tool_mode(const std::string& text);

}  // namespace camoufleet::core
