// The names of core::tool_mode.
#include "core/tool_mode.hpp"

namespace camoufleet::core {

const char* to_string(tool_mode m) {
  switch (m) {
    case tool_mode::native:
      return "native";
    case tool_mode::emulated:
      return "emulated";
    case tool_mode::automatic:
      break;
  }
  return "auto";
}

std::optional<tool_mode> parse_tool_mode(const std::string& text) {
  if (text == "auto") return tool_mode::automatic;
  if (text == "native") return tool_mode::native;
  if (text == "emulated") return tool_mode::emulated;
  return std::nullopt;
}

}  // namespace camoufleet::core
