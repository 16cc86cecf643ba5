#include <doctest/doctest.h>

#include <filesystem>

#include "config/key_file.hpp"
#include "temp_dir.hpp"

using namespace camoufleet::config;
namespace fs = std::filesystem;

TEST_CASE("key lines: comments, blanks, whitespace and duplicates") {
  auto r = parse_key_lines("# header\nsk-a\n\n\t sk-b \r\n#sk-c\nsk-a\nsk-d");
  CHECK(r.error == "");
  CHECK(r.keys == std::vector<camoufleet::core::api_key>{"sk-a", "sk-b", "sk-d"});
  CHECK(parse_key_lines("").keys.empty());
  CHECK(parse_key_lines("\n\n# only comments\n").keys.empty());
}

TEST_CASE("key lines: a name after the key is what its use is counted under") {
  auto keys =
      parse_key_lines("sk-a alice\nsk-b\t  Bob Smith \nsk-c\nsk-a mallory\nsk-d bad\"name{}\n")
          .keys;
  REQUIRE(keys.size() == 4);
  CHECK(keys[0].key == "sk-a");
  CHECK(keys[0].name == "alice");  // the first line of a key given twice
  CHECK(keys[1].key == "sk-b");
  CHECK(keys[1].name == "Bob_Smith");  // made fit for a label and a log line
  CHECK(keys[2].key == "sk-c");
  CHECK(keys[2].name == camoufleet::core::key_fingerprint("sk-c"));
  CHECK(keys[3].name == "bad_name__");
}

TEST_CASE("key lines: max_open= gives a key its own open-request limit") {
  auto r = parse_key_lines(
      "sk-a alice max_open=2\nsk-b bob\nsk-c max_open=0\nsk-d Carol Jones  max_open=7 \n"
      "sk-e alice max_open=2\n");
  REQUIRE(r.error == "");
  REQUIRE(r.keys.size() == 5);
  CHECK(r.keys[0].name == "alice");
  CHECK(r.keys[0].max_open == 2);
  CHECK(r.keys[1].max_open == -1);  // the server's --max-open-per-key
  CHECK(r.keys[1].open_limit(3) == 3);
  CHECK(r.keys[0].open_limit(3) == 2);
  CHECK(r.keys[2].name == camoufleet::core::key_fingerprint("sk-c"));  // options are no name
  CHECK(r.keys[2].max_open == 0);
  CHECK(r.keys[2].open_limit(3) == 0);  // this key: no limit
  CHECK(r.keys[3].name == "Carol_Jones");
  CHECK(r.keys[3].max_open == 7);
  CHECK(r.keys[4].max_open == 2);  // alice's second key, the same limit
}

TEST_CASE("key lines: a bad option names its line and never the key") {
  auto unknown = parse_key_lines("sk-first\n\nsk-secret-1 alice max_opn=2\n");
  CHECK(unknown.keys.empty());
  CHECK(unknown.error.find("line 3: unknown option \"max_opn\"") == 0);
  CHECK(unknown.error.find("sk-secret") == std::string::npos);
  for (const char* bad : {"max_open=", "max_open=-1", "max_open=two", "max_open=10001"}) {
    CAPTURE(bad);
    auto r = parse_key_lines(std::string("sk-secret-2 bob ") + bad);
    CHECK(r.keys.empty());
    CHECK(r.error.find("line 1: max_open must be a whole number from 0") == 0);
    CHECK(r.error.find("sk-secret") == std::string::npos);
  }
  CHECK(parse_key_lines("sk-1 bob max_open=10000").keys.at(0).max_open == 10000);
  // Keys of one name share its count of open requests, so they share one limit.
  auto split = parse_key_lines("sk-1 alice max_open=2\nsk-2 alice\n");
  CHECK(split.error ==
        "line 2: \"alice\" has another max_open on line 1; the keys of one name "
        "share one limit");
  // A key given twice is kept from its first line: its second is not checked.
  CHECK(parse_key_lines("sk-1 alice max_open=2\nsk-1 alice\n").error == "");
}

TEST_CASE("key names: an unnamed key's fingerprint tells keys apart and never shows them") {
  using camoufleet::core::key_fingerprint;
  const auto a = key_fingerprint("sk-live-0123456789abcdef");
  CHECK(a.size() == 12);
  CHECK(a.rfind("key-", 0) == 0);
  CHECK(a.find("0123") == std::string::npos);
  CHECK(a == key_fingerprint("sk-live-0123456789abcdef"));  // stable across reloads
  CHECK(a != key_fingerprint("sk-live-0123456789abcdeg"));
  CHECK(key_fingerprint("") == "key-811c9dc5");  // FNV-1a's offset basis
  CHECK(camoufleet::core::api_key("sk-x").name == key_fingerprint("sk-x"));
  CHECK(camoufleet::core::api_key("sk-x", "").name == key_fingerprint("sk-x"));
  CHECK(camoufleet::core::key_name(std::string(80, 'n')).size() == 64);
  CHECK(camoufleet::core::key_name("ops@team.example+ci_1-x") == "ops@team.example+ci_1-x");
}

TEST_CASE("key file: loads keys and reports group/other access") {
  camoufleet::config::test::temp_dir dir;
  auto path = dir.write("key.txt", "sk-1\nsk-2\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  auto r = load_key_file(path);
  CHECK(r.error == "");
  CHECK(r.keys == std::vector<camoufleet::core::api_key>{"sk-1", "sk-2"});
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

  const auto bad_path = dir.write("bad.txt", "sk-1 alice max_open=x\n");
  auto bad = load_key_file(bad_path);
  CHECK(bad.keys.empty());
  CHECK(bad.error.find(bad_path + ", line 1: max_open must be") == 0);
}
