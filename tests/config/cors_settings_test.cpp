#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/settings_parser.hpp"
#include "parse_fixture.hpp"

using camoufleet::config::describe;
using camoufleet::config::test::check_error;
using camoufleet::config::test::parse_fixture;

TEST_CASE("cors origins: none by default, a list from the flag or the environment") {
  parse_fixture f;
  auto d = f.parse({});
  REQUIRE_FALSE(d.exit_now);
  CHECK(d.value.cors_origins.empty());

  // Kept in the form browsers send: lower case, no default port, no slash.
  auto r = f.parse({"--cors-origins", "HTTPS://Chat.Example.com:443/, http://10.0.0.5:3000 *"});
  REQUIRE_FALSE(r.exit_now);
  CHECK(r.value.cors_origins ==
        std::vector<std::string>{"https://chat.example.com", "http://10.0.0.5:3000", "*"});

  f.env["CAMOUFLEET_CORS_ORIGINS"] = "null,https://a.example.org";
  auto e = f.parse({});
  REQUIRE_FALSE(e.exit_now);
  CHECK(e.value.cors_origins == std::vector<std::string>{"null", "https://a.example.org"});
}

TEST_CASE("cors origins: an entry that is not an origin is one error line naming it") {
  parse_fixture f;
  check_error(f.parse({"--cors-origins", "https://ok.example.com,https://chat.example.com/app"}),
              "--cors-origins: \"https://ok.example.com,https://chat.example.com/app\" has "
              "\"https://chat.example.com/app\", which is not an origin");
  check_error(f.parse({"--cors-origins", "chat.example.com"}),
              "\"chat.example.com\", which is not");
  f.env["CAMOUFLEET_CORS_ORIGINS"] = "https://*.example.com";
  check_error(f.parse({}), "(from environment variable CAMOUFLEET_CORS_ORIGINS)");
}

TEST_CASE("allowed hosts: none by default, names or * from the flag or the environment") {
  parse_fixture f;
  auto d = f.parse({});
  REQUIRE_FALSE(d.exit_now);
  CHECK(d.value.allowed_hosts.empty());
  auto r = f.parse({"--allowed-hosts", "Fleet.Example.com, box"});
  REQUIRE_FALSE(r.exit_now);
  CHECK(r.value.allowed_hosts == std::vector<std::string>{"fleet.example.com", "box"});
  f.env["CAMOUFLEET_ALLOWED_HOSTS"] = "*";
  auto e = f.parse({});
  REQUIRE_FALSE(e.exit_now);
  CHECK(e.value.allowed_hosts == std::vector<std::string>{"*"});
  f.env.clear();
  check_error(
      f.parse({"--allowed-hosts", "fleet.example.com:2048"}),
      "--allowed-hosts: \"fleet.example.com:2048\" has \"fleet.example.com:2048\", which is "
      "not a host name or *");
}

TEST_CASE("responses store: --responses-store-mb is 64 by default, 0 keeps none, bounded") {
  parse_fixture f;
  auto d = f.parse({});
  CHECK(d.value.responses_store_mb == 64);
  CHECK(describe(d.value).find("responses_store_mb=64") != std::string::npos);
  CHECK(f.parse({"--responses-store-mb", "0"}).value.responses_store_mb == 0);
  parse_fixture e;
  e.env["CAMOUFLEET_RESPONSES_STORE_MB"] = "256";
  CHECK(e.parse({}).value.responses_store_mb == 256);
  auto n = f.parse({"--responses-store-mb", "70000"});
  CHECK(n.exit_code == 2);
  CHECK(n.output.find("--responses-store-mb: 70000 is out of range 0-65536") != std::string::npos);
  CHECK(f.parse({"--help"}).output.find("--responses-store-mb") != std::string::npos);
}

TEST_CASE("responses store: --responses-store-file keeps them across restarts, not with 0 MB") {
  parse_fixture f;
  auto d = f.parse({});
  CHECK(d.value.responses_store_file.empty());
  CHECK(describe(d.value).find("responses_store_file") == std::string::npos);
  auto set = f.parse({"--responses-store-file", "/var/lib/camoufleet/responses.json"});
  CHECK_FALSE(set.exit_now);
  CHECK(set.value.responses_store_file == "/var/lib/camoufleet/responses.json");
  CHECK(describe(set.value).find("responses_store_file=/var/lib/camoufleet/responses.json") !=
        std::string::npos);
  parse_fixture e;
  e.env["CAMOUFLEET_RESPONSES_STORE_FILE"] = "/tmp/r.json";
  CHECK(e.parse({}).value.responses_store_file == "/tmp/r.json");
  auto none = f.parse({"--responses-store-file", "/tmp/r.json", "--responses-store-mb", "0"});
  CHECK(none.exit_code == 2);
  CHECK(none.output.find("--responses-store-file: nothing to keep with --responses-store-mb 0") !=
        std::string::npos);
  CHECK(f.parse({"--help"}).output.find("--responses-store-file") != std::string::npos);
}
