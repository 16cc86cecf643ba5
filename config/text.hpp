#pragma once
// Small string helpers shared by config/'s readers.

#include <string>
#include <string_view>

namespace camoufleet::config {

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);

}  // namespace camoufleet::config
