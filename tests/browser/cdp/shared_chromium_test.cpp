// Context isolation's shared browser without launching one (issue 21): who
// hears its death, who joins which browser.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "browser/cdp/context_session.hpp"
#include "browser/cdp/shared_chromium.hpp"

using namespace camoufleet::browser;
using namespace camoufleet::browser::cdp;

TEST_CASE("shared browser: every member hears its death once, a late one at once, a removed one never") {
  shared_chromium b("browser_t", browser_options{});
  CHECK(b.usable());
  std::vector<std::string> heard_a, heard_b, heard_c;
  b.add_listener([&](const std::string& r) { heard_a.push_back(r); });
  int id_b = b.add_listener([&](const std::string& r) { heard_b.push_back(r); });
  int id_c = b.add_listener([&](const std::string& r) { heard_c.push_back(r); });
  b.remove_listener(id_c);
  CHECK(id_b != id_c);
  b.mark_broken("hung: no answer");
  b.mark_broken("again");  // the first report wins
  REQUIRE(heard_a.size() == 1);
  CHECK(heard_a[0].find("hung: no answer") != std::string::npos);
  CHECK(heard_b == heard_a);
  CHECK(heard_c.empty());
  CHECK_FALSE(b.usable());
  std::vector<std::string> late;
  b.add_listener([&](const std::string& r) { late.push_back(r); });
  CHECK(late == heard_a);
  // A broken browser is never launched.
  try {
    b.ensure_started(shared_chromium::clock::now() + std::chrono::seconds(1));
    FAIL("ensure_started did not throw");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::browser_gone);
  }
}

TEST_CASE("shared browser: the pool packs members, forgets browsers nobody holds, skips broken ones") {
  auto pool = make_chromium_pool(2);
  session_options o;
  auto a = pool->join(o);
  auto b = pool->join(o);
  auto c = pool->join(o);
  CHECK(a == b);  // two per browser: the first two share one
  CHECK(c != a);
  CHECK(a->members() == 2);
  CHECK(c->members() == 1);
  CHECK(a->name() != c->name());
  // One left the first browser: its place is taken before the second's.
  a->leave();
  CHECK(pool->join(o) == a);
  // The first browser dies: newcomers go elsewhere, and the second is full.
  a->mark_broken("gone");
  auto d = pool->join(o);
  CHECK(d == c);
  auto e = pool->join(o);
  CHECK(e != a);
  CHECK(e != c);
  CHECK(e->usable());
}
