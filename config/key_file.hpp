#pragma once
// The API key file: which bearer keys the server accepts.

#include <string>
#include <string_view>
#include <vector>

namespace camoufleet::config {

// One key per line; surrounding whitespace (and a CR) is dropped, blank
// lines and `#` lines are ignored, duplicates are kept once, order kept.
std::vector<std::string> parse_key_lines(std::string_view text);

struct key_file_result {
  std::vector<std::string> keys;
  std::string error;    // "" when fine; never contains a key
  bool shared = false;  // readable or writable by group/others: worth a warning
};

key_file_result load_key_file(const std::string& path);

}  // namespace camoufleet::config
