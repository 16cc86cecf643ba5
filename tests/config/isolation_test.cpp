// --isolation process|context and --accounts-per-browser (issue 21), --spare-browsers,
// --page-recycle-after.
#include <doctest/doctest.h>

#include "config/settings_parser.hpp"
#include "parse_fixture.hpp"

using namespace camoufleet::config;
using camoufleet::config::test::parse_fixture;

TEST_CASE("isolation: process and 8 accounts per browser by default") {
  parse_fixture f;
  auto r = f.parse({});
  CHECK(r.exit_code == 0);
  CHECK(r.value.isolate == isolation::process);
  CHECK(r.value.accounts_per_browser == 8);
  CHECK(describe(r.value).find("isolation=process") != std::string::npos);
}

TEST_CASE("isolation: --isolation context --accounts-per-browser 3, and from the environment") {
  parse_fixture f;
  auto r = f.parse({"--isolation", "Context", "--accounts-per-browser", "3"});
  CHECK(r.exit_code == 0);
  CHECK(r.value.isolate == isolation::context);
  CHECK(r.value.accounts_per_browser == 3);
  CHECK(describe(r.value).find("isolation=context accounts_per_browser=3") != std::string::npos);
  parse_fixture e;
  e.env["CAMOUFLEET_ISOLATION"] = "context";
  e.env["CAMOUFLEET_ACCOUNTS_PER_BROWSER"] = "2";
  auto v = e.parse({});
  CHECK(v.value.isolate == isolation::context);
  CHECK(v.value.accounts_per_browser == 2);
}

TEST_CASE("isolation: a bad mode or count is refused, naming the flag") {
  parse_fixture f;
  auto r = f.parse({"--isolation", "thread"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--isolation: \"thread\" is not process or context") != std::string::npos);
  auto n = f.parse({"--accounts-per-browser", "0"});
  CHECK(n.exit_code == 2);
  CHECK(n.output.find("--accounts-per-browser: 0 is out of range 1-64") != std::string::npos);
}

TEST_CASE("spares: --spare-browsers is 0 by default, read from flag and environment, bounded") {
  parse_fixture f;
  CHECK(f.parse({}).value.spare_browsers == 0);
  auto r = f.parse({"--spare-browsers", "2"});
  CHECK(r.exit_code == 0);
  CHECK(r.value.spare_browsers == 2);
  CHECK(describe(r.value).find("spare_browsers=2") != std::string::npos);
  parse_fixture e;
  e.env["CAMOUFLEET_SPARE_BROWSERS"] = "1";
  CHECK(e.parse({}).value.spare_browsers == 1);
  auto n = f.parse({"--spare-browsers", "17"});
  CHECK(n.exit_code == 2);
  CHECK(n.output.find("--spare-browsers: 17 is out of range 0-16") != std::string::npos);
  CHECK(f.parse({"--help"}).output.find("--spare-browsers") != std::string::npos);
}

TEST_CASE("page recycling: --page-recycle-after is 500 by default, 0 turns it off, bounded") {
  parse_fixture f;
  auto d = f.parse({});
  CHECK(d.value.page_recycle_after == 500);
  CHECK(describe(d.value).find("page_recycle_after=500") != std::string::npos);
  CHECK(f.parse({"--page-recycle-after", "0"}).value.page_recycle_after == 0);
  parse_fixture e;
  e.env["CAMOUFLEET_PAGE_RECYCLE_AFTER"] = "40";
  CHECK(e.parse({}).value.page_recycle_after == 40);
  auto n = f.parse({"--page-recycle-after", "-1"});
  CHECK(n.exit_code == 2);
  CHECK(n.output.find("--page-recycle-after: -1 is out of range 0-1000000") != std::string::npos);
  CHECK(f.parse({"--help"}).output.find("--page-recycle-after") != std::string::npos);
}
