#pragma once
// Small string helpers every layer may use.

#include <string_view>

namespace camoufleet::core {

// s without leading and trailing white space (std::isspace).
std::string_view trim(std::string_view s);

}  // namespace camoufleet::core
