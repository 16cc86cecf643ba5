#pragma once
// Small text helpers shared by config/'s readers: trimming, case, quoting for
// error lines, and turning a setting's text into a number or a bool.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.hpp"

namespace camoufleet::config {

using core::to_lower;
using core::trim;
bool starts_with(const std::string& s, const char* prefix);

// For error lines: no line breaks, no surrounding blanks; in double quotes.
std::string one_line(std::string s);
std::string in_quotes(const std::string& s);

enum class int_status { ok, not_a_number, too_big };

int_status parse_integer(std::string_view s, long long& out);
// A whole number with an optional one-letter unit suffix from `units`
// ("5m" with {'m', 60} is 300).
int_status parse_scaled(std::string_view s, long long& out,
                        const std::map<char, long long>& units);
// The entries of a list setting, separated by commas and/or blanks.
std::vector<std::string> split_list(std::string_view s);
// true/1/yes/on, false/0/no/off (any case), else nothing.
std::optional<bool> parse_bool(const std::string& s);

}  // namespace camoufleet::config
