#pragma once
// The `.env` file: the lowest-precedence source of settings, read with the
// same names as the environment so one file can hold a deployment's config.

#include <map>
#include <string>
#include <string_view>

namespace camoufleet::config {

struct dotenv_result {
  std::map<std::string, std::string> values;
  std::string error;  // "" when fine, else "line N: what is wrong"
};

// KEY=VALUE lines; blank lines and `#` comments are skipped; an `export `
// prefix is allowed; values may be 'single quoted' (literal) or "double
// quoted" (\n \t \" \\ escapes); an unquoted value ends at ` #`.
// A later line for the same key wins, as it would in a shell.
dotenv_result parse_dotenv(std::string_view text);

// A missing file is an empty result, not an error: most setups have none.
dotenv_result load_dotenv(const std::string& path);

}  // namespace camoufleet::config
