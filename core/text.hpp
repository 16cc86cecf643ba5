#pragma once
// Small string helpers every layer may use.

#include <string>
#include <string_view>

namespace camoufleet::core {

// s without leading and trailing white space (std::isspace).
std::string_view trim(std::string_view s);
// s with A-Z as a-z (std::tolower, C locale).
std::string to_lower(std::string_view s);

}  // namespace camoufleet::core
