#pragma once
// The API key file: which bearer keys the server accepts.

#include <string>
#include <string_view>
#include <vector>

#include "core/api_key.hpp"

namespace camoufleet::config {

struct parsed_keys {
  std::vector<core::api_key> keys;
  std::string error;  // "" when fine; names a line, never a key
};

// One key per line, optionally followed by whitespace and the name its use
// is counted under ("sk-... alice"; unnamed: the key's fingerprint) and by
// options, words of the form option=value ("sk-... alice max_open=2": at
// most 2 completion requests open at once for this key, 0 for no limit;
// without it the server's --max-open-per-key). Surrounding whitespace (and a
// CR) is dropped, blank lines and `#` lines are ignored, a key given twice
// is kept once (its first line), order kept. An unknown option, a bad value,
// or one name given two limits is an error.
parsed_keys parse_key_lines(std::string_view text);

struct key_file_result {
  std::vector<core::api_key> keys;
  std::string error;    // "" when fine; never contains a key
  bool shared = false;  // readable or writable by group/others: worth a warning
};

key_file_result load_key_file(const std::string& path);

}  // namespace camoufleet::config
