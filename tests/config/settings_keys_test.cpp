// parse_settings and the secrets: API key files, the default key file, and
// warnings for key and profile files other users can read.
#include <doctest/doctest.h>

#include <filesystem>

#include "config/settings_parser.hpp"
#include "parse_fixture.hpp"

using namespace camoufleet::config;
using namespace camoufleet::config::test;
namespace fs = std::filesystem;

// --- API keys ----------------------------------------------------------------

TEST_CASE("--api-keys loads one key per line, skipping blanks and comments") {
  parse_fixture f;
  auto path = f.dir.write("keys.txt", "# team keys\nsk-one\n\n  sk-two  \r\n# old: sk-zero\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  auto r = f.parse({"--api-keys", path});
  check_ok(r);
  CHECK(r.value.api_keys_file == path);
  CHECK(r.value.api_keys == std::vector<camoufleet::core::api_key>{"sk-one", "sk-two"});
  CHECK(r.warnings.empty());
}

TEST_CASE("auth_profiles/key.txt is used by default when present") {
  parse_fixture f;
  auto path = f.dir.write("auth_profiles/key.txt", "sk-default\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  auto r = f.parse({});
  check_ok(r);
  CHECK(r.value.api_keys_file == "auth_profiles/key.txt");
  CHECK(r.value.api_keys == std::vector<camoufleet::core::api_key>{"sk-default"});
}

TEST_CASE("an explicitly empty --api-keys turns the default key file off") {
  parse_fixture f;
  f.dir.write("auth_profiles/key.txt", "sk-default\n");
  auto r = f.parse({"--api-keys", ""});
  check_ok(r);
  CHECK(r.value.api_keys_file.empty());
  CHECK(r.value.api_keys.empty());
}

TEST_CASE("a key file others can read gives a warning without the keys in it") {
  parse_fixture f;
  auto path = f.dir.write("keys.txt", "sk-secret-value\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  auto r = f.parse({"--api-keys", path});
  check_ok(r);
  REQUIRE(r.warnings.size() == 1);
  CHECK(contains(r.warnings[0], "chmod 600"));
  CHECK_FALSE(contains(r.warnings[0], "sk-secret-value"));
}

TEST_CASE("profiles others can read give one warning naming the files") {
  parse_fixture f;
  auto open_perms = fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read;
  auto closed_perms = fs::perms::owner_read | fs::perms::owner_write;
  fs::permissions(f.dir.write("auth_profiles/active/bob.json", "{}"), open_perms);
  fs::permissions(f.dir.write("auth_profiles/active/alice.json", "{}"), open_perms);
  fs::permissions(f.dir.write("auth_profiles/active/carol.json", "{}"), closed_perms);
  fs::permissions(f.dir.write("auth_profiles/active/notes.txt", "x"), open_perms);
  auto r = f.parse({});
  check_ok(r);
  REQUIRE(r.warnings.size() == 1);
  CHECK(contains(r.warnings[0], "2 profile files"));
  CHECK(contains(r.warnings[0], "(alice.json, bob.json)"));
  CHECK_FALSE(contains(r.warnings[0], "carol"));
  CHECK_FALSE(contains(r.warnings[0], "notes"));

  fs::permissions("auth_profiles/active/alice.json", closed_perms);
  fs::permissions("auth_profiles/active/bob.json", closed_perms);
  CHECK(f.parse({}).warnings.empty());
}

TEST_CASE("describe() names the key count, never a key") {
  parse_fixture f;
  auto path = f.dir.write("keys.txt", "sk-secret-value\nsk-other\n");
  auto r = f.parse({"--api-keys", path});
  check_ok(r);
  auto text = describe(r.value);
  CHECK(contains(text, "api_keys=2"));
  CHECK_FALSE(contains(text, "sk-secret-value"));
  CHECK_FALSE(contains(text, "sk-other"));
}

TEST_CASE("--max-open-per-key limits each key, and needs keys") {
  parse_fixture f;
  auto path = f.dir.write("keys.txt", "sk-one alice\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  auto r = f.parse({"--api-keys", path, "--max-open-per-key", "3"});
  check_ok(r);
  CHECK(r.value.max_open_per_key == 3);
  CHECK(r.value.api_keys == std::vector<camoufleet::core::api_key>{{"sk-one", "alice"}});
  CHECK(contains(describe(r.value), "max_open_per_key=3"));
  CHECK(f.parse({"--api-keys", path}).value.max_open_per_key == 0);  // no limit by default
  check_error(f.parse({"--max-open-per-key", "2"}),
              "--max-open-per-key: it limits each API key, and no keys are set");
  check_error(f.parse({"--api-keys", path, "--max-open-per-key", "-1"}),
              "--max-open-per-key: -1 is out of range 0-10000");
  check_ok(f.parse({"--max-open-per-key", "0"}));  // 0 without keys: nothing to limit
}
