#pragma once
// The API key file: which bearer keys the server accepts.

#include <string>
#include <string_view>
#include <vector>

#include "core/api_key.hpp"

namespace camoufleet::config {

// One key per line, optionally followed by whitespace and the name its use
// is counted under ("sk-... alice"; unnamed: the key's fingerprint);
// surrounding whitespace (and a CR) is dropped, blank lines and `#` lines
// are ignored, a key given twice is kept once (its first line), order kept.
std::vector<core::api_key> parse_key_lines(std::string_view text);

struct key_file_result {
  std::vector<core::api_key> keys;
  std::string error;    // "" when fine; never contains a key
  bool shared = false;  // readable or writable by group/others: worth a warning
};

key_file_result load_key_file(const std::string& path);

}  // namespace camoufleet::config
