#include "config/text.hpp"

#include <charconv>
#include <climits>
#include <system_error>

namespace camoufleet::config {

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return std::string(trim(s));
}

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  std::string entry;
  for (char c : s) {
    if (c != ',' && c != ' ' && c != '\t') {
      entry.push_back(c);
    } else if (!entry.empty()) {
      out.push_back(std::move(entry));
      entry.clear();
    }
  }
  if (!entry.empty()) out.push_back(std::move(entry));
  return out;
}

int_status parse_integer(std::string_view s, long long& out) {
  s = trim(s);
  if (s.empty()) return int_status::not_a_number;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc::result_out_of_range) return int_status::too_big;
  if (ec != std::errc{} || end != s.data() + s.size()) return int_status::not_a_number;
  return int_status::ok;
}

int_status parse_scaled(std::string_view s, long long& out,
                        const std::map<char, long long>& units) {
  s = trim(s);
  long long factor = 1;
  if (!s.empty()) {
    auto u = units.find(s.back());
    if (u != units.end()) {
      factor = u->second;
      s.remove_suffix(1);
    }
  }
  auto st = parse_integer(s, out);
  if (st != int_status::ok) return st;
  if (out > LLONG_MAX / factor || out < LLONG_MIN / factor) return int_status::too_big;
  out *= factor;
  return int_status::ok;
}

std::optional<bool> parse_bool(const std::string& s) {
  auto v = to_lower(trim(s));
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return std::nullopt;
}

}  // namespace camoufleet::config
