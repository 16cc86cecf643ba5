#pragma once
// Small text helpers for the simulator's HTTP handling (pure).

#include <map>
#include <string>

namespace camoufleet::sim {

std::string url_decode(const std::string& s);  // also '+' -> ' '
std::string url_encode(const std::string& s);  // everything but unreserved chars
// "a=1&b=x%20y" -> {a:1, b:"x y"}; also used for query strings.
std::map<std::string, std::string> parse_form(const std::string& s);
// Splits "/path?query" into path and query ("" when none).
void split_target(const std::string& target, std::string& path, std::string& query);
std::string html_escape(const std::string& s);
// Where a sign-in may send the browser: only this server's own paths.
std::string safe_continue(const std::string& cont);

}  // namespace camoufleet::sim
