#pragma once
// Runs parse_settings in a fresh working directory (with the default
// auth_profiles/active present) and a fake environment; the checks the
// parse tests share.

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "config/settings_parser.hpp"
#include "temp_dir.hpp"

namespace camoufleet::config::test {

struct parse_fixture {
  temp_dir dir;
  scoped_cwd cwd{dir.path()};
  std::map<std::string, std::string> env;
  std::string dotenv_path = ".env";  // relative to the fresh cwd; absent unless written

  parse_fixture() { dir.mkdir("auth_profiles/active"); }

  parse_result parse(const std::vector<std::string>& args) const {
    std::vector<const char*> argv{"camoufleet"};
    for (const auto& a : args) argv.push_back(a.c_str());
    auto lookup = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    return parse_settings(static_cast<int>(argv.size()), argv.data(), lookup, dotenv_path);
  }

  void write_dotenv(const std::string& content) const { dir.write(".env", content); }
};

// The single error line of a failed parse, without the trailing newline.
inline std::string error_line(const parse_result& r) {
  std::string s = r.output;
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

inline bool one_line(const std::string& s) {
  return !s.empty() && s.find('\n') == s.size() - 1;
}

inline bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// A failed parse: exit 2, stop now, exactly one line starting with "error: ".
inline void check_error(const parse_result& r, const std::string& expected_part) {
  CHECK(r.exit_code == 2);
  CHECK(r.exit_now);
  CHECK(one_line(r.output));
  CHECK(r.output.rfind("error: ", 0) == 0);
  INFO("output: " << r.output);
  CHECK(contains(r.output, expected_part));
}

inline void check_ok(const parse_result& r) {
  INFO("output: " << r.output);
  CHECK(r.exit_code == 0);
  CHECK_FALSE(r.exit_now);
  CHECK(r.output.empty());
}

}  // namespace camoufleet::config::test
