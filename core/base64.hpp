#pragma once
// Standard base64 (RFC 4648, with padding) for data: URLs. Pure.

#include <optional>
#include <string>
#include <string_view>

namespace camoufleet::core {

// The decoded bytes; nullopt for a character outside the alphabet, a bad
// length or misplaced padding. ASCII white space is ignored.
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace camoufleet::core
