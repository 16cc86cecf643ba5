// Which shared browser a profile joins in context isolation (issue 21).
#include "browser/account_packing.hpp"

#include <doctest/doctest.h>

using camoufleet::browser::browser_load;
using camoufleet::browser::pick_browser;

TEST_CASE("packing: no browser yet means launch one") {
  CHECK(pick_browser({}, 8) == -1);
}

TEST_CASE("packing: profiles fill the first browser before a second is launched") {
  std::vector<browser_load> loads = {{true, 0}};
  for (int n = 0; n < 3; ++n) {
    int i = pick_browser(loads, 3);
    REQUIRE(i == 0);
    ++loads[0].accounts;
  }
  CHECK(pick_browser(loads, 3) == -1);  // full: a second browser
  loads.push_back({true, 1});
  CHECK(pick_browser(loads, 3) == 1);
  loads[0].accounts = 2;                // one left the first: its slot is reused first
  CHECK(pick_browser(loads, 3) == 0);
}

TEST_CASE("packing: a dead browser takes nobody, so its profiles relaunch one browser together") {
  // Three profiles of a killed browser restart: the first finds no usable
  // browser (launch), the others join that new one: one launch, not three.
  std::vector<browser_load> loads = {{false, 3}};
  CHECK(pick_browser(loads, 8) == -1);
  loads.push_back({true, 1});
  CHECK(pick_browser(loads, 8) == 1);
  loads[1].accounts = 2;
  CHECK(pick_browser(loads, 8) == 1);
}

TEST_CASE("packing: fewer than one account per browser counts as one") {
  CHECK(pick_browser({{true, 0}}, 0) == 0);
  CHECK(pick_browser({{true, 1}}, 0) == -1);
  CHECK(pick_browser({{true, 1}}, 1) == -1);
}
