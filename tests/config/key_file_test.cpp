#include <doctest/doctest.h>

#include <filesystem>

#include "config/key_file.hpp"
#include "temp_dir.hpp"

using namespace camoufleet::config;
namespace fs = std::filesystem;

TEST_CASE("key lines: comments, blanks, whitespace and duplicates") {
  auto keys = parse_key_lines("# header\nsk-a\n\n\t sk-b \r\n#sk-c\nsk-a\nsk-d");
  CHECK(keys == std::vector<std::string>{"sk-a", "sk-b", "sk-d"});
  CHECK(parse_key_lines("").empty());
  CHECK(parse_key_lines("\n\n# only comments\n").empty());
}

TEST_CASE("key file: loads keys and reports group/other access") {
  camoufleet::config::test::temp_dir dir;
  auto path = dir.write("key.txt", "sk-1\nsk-2\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  auto r = load_key_file(path);
  CHECK(r.error == "");
  CHECK(r.keys == std::vector<std::string>{"sk-1", "sk-2"});
  CHECK_FALSE(r.shared);

  fs::permissions(path, fs::perms::others_read, fs::perm_options::add);
  CHECK(load_key_file(path).shared);
}

TEST_CASE("key file: missing, directory and empty files are errors that hold no key") {
  camoufleet::config::test::temp_dir dir;
  auto missing = load_key_file((dir.path() / "nope.txt").string());
  CHECK(missing.error.find("no such file") != std::string::npos);
  CHECK(missing.keys.empty());

  auto is_dir = load_key_file(dir.str());
  CHECK(is_dir.error.find("directory") != std::string::npos);

  auto empty = load_key_file(dir.write("empty.txt", "# none\n"));
  CHECK(empty.error.find("holds no keys") != std::string::npos);
}
