#pragma once
// Small file helpers shared by the login tests.

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

namespace camoufleet::app::testing {

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline mode_t mode_of(const std::string& path) {
  struct stat sb {};
  REQUIRE(::stat(path.c_str(), &sb) == 0);
  return sb.st_mode & 07777;
}

}  // namespace camoufleet::app::testing
