// Warm spare browsers (issue 21): the pure decisions of actors/spare_ledger —
// who may take a spare, which one, refill and back-off.
#include <doctest/doctest.h>

#include "actors/spare_ledger.hpp"

using namespace camoufleet;

namespace {

fleet_timing quick() {
  fleet_timing t;
  t.backoff_initial = std::chrono::milliseconds(1000);
  t.backoff_max = std::chrono::milliseconds(8000);
  return t;
}

}  // namespace

TEST_CASE("spares: only a restart after a crash of a browser a spare fits takes a spare") {
  CHECK(may_take_spare(start_cause::crash, true));
  CHECK_FALSE(may_take_spare(start_cause::first, true));
  CHECK_FALSE(may_take_spare(start_cause::by_hand, true));
  CHECK_FALSE(may_take_spare(start_cause::crash, false));
}

TEST_CASE("spares: a spare fits a launched browser of the shelf's kind and executable, without a fingerprint") {
  using browser::browser_kind;
  for (auto kind : {browser_kind::chromium, browser_kind::firefox, browser_kind::camoufox}) {
    browser::session_options shelf;
    shelf.kind = kind;
    shelf.browser_path = kind == browser_kind::chromium ? "chromium" : "firefox-esr";
    browser::session_options inst = shelf;
    inst.auth_file = "alice.json";
    CHECK(spare_fits(inst, shelf));
    browser::session_options attached = inst;
    attached.ws_endpoint = "ws://127.0.0.1:9222/x";
    CHECK_FALSE(spare_fits(attached, shelf));
    browser::session_options other_path = inst;
    other_path.browser_path = "/opt/other/browser";  // a profile's *.browser.json
    CHECK_FALSE(spare_fits(other_path, shelf));
    browser::session_options fingerprinted = inst;
    fingerprinted.fingerprint_file = "alice.camoufox.json";
    CHECK_FALSE(spare_fits(fingerprinted, shelf));
  }
  browser::session_options chromium_shelf;
  browser::session_options firefox_inst;
  firefox_inst.kind = browser::browser_kind::firefox;
  firefox_inst.browser_path = chromium_shelf.browser_path;
  CHECK_FALSE(spare_fits(firefox_inst, chromium_shelf));  // another kind, same path string
}

TEST_CASE("spares: the pool launches what is wanted once, and nothing while all are under way") {
  spare_ledger l(2, quick());
  auto first = l.due(0);
  CHECK(first == std::vector<std::uint64_t>{1, 2});
  CHECK(l.due(0).empty());
  CHECK(l.next_due_ms() == 0);
  CHECK(l.view().size() == 2);
  CHECK_FALSE(l.view()[0].ready);
  CHECK_FALSE(l.take(0).has_value());  // launching is not ready
  spare_ledger none(0, quick());
  CHECK(none.due(0).empty());
}

TEST_CASE("spares: the spare that waited longest is handed over, and one new one refills") {
  spare_ledger l(2, quick());
  l.due(0);
  l.up(2, 202, 100);
  l.up(1, 101, 300);
  auto s = l.take(0);
  REQUIRE(s.has_value());
  CHECK(s->id == 2);
  CHECK(s->pid == 202);
  CHECK(l.view().size() == 1);
  CHECK(l.due(400).empty());  // not beside the hand-over
  l.settled(2);                // the instance is up on spare 2
  CHECK(l.due(400) == std::vector<std::uint64_t>{3});
  auto t = l.take(0);
  REQUIRE(t.has_value());
  CHECK(t->id == 1);
  CHECK_FALSE(l.take(0).has_value());  // spare 3 is still launching
  l.down(2, 500);                     // a taken spare is the instance's: no news here
  CHECK(l.failures() == 0);
}

TEST_CASE("spares: a spare that keeps dying is replaced with back-off, reset by a hand-over") {
  spare_ledger l(1, quick());
  l.due(0);
  l.up(1, 11, 0);
  l.down(1, 1000);  // died waiting
  CHECK(l.failures() == 1);
  CHECK(l.due(1500).empty());  // backs off 1 s
  CHECK(l.next_due_ms() == 2000);
  CHECK(l.due(2000) == std::vector<std::uint64_t>{2});
  l.down(2, 2100);  // failed to launch
  CHECK(l.next_due_ms() == 4100);  // 2 s
  CHECK(l.due(4099).empty());
  CHECK(l.due(4100) == std::vector<std::uint64_t>{3});
  for (std::uint64_t id = 3; id < 9; ++id) {
    l.down(id, 10000 * static_cast<std::int64_t>(id));
    l.due(l.next_due_ms());
  }
  l.down(9, 90000);
  CHECK(l.next_due_ms() == 98000);  // capped at 8 s
  CHECK(l.due(98000) == std::vector<std::uint64_t>{10});
  l.up(10, 1010, 100000);
  CHECK(l.take(100000).has_value());
  CHECK(l.failures() == 0);
  CHECK(l.due(100001).empty());  // held while the instance starts on it
  CHECK(l.next_due_ms() == 110000);
  CHECK(l.due(110000) == std::vector<std::uint64_t>{11});  // the hold ran out: refill anyway
}

TEST_CASE("spares: one that lived longer than the cap before dying starts no streak, stop ends refills") {
  spare_ledger l(1, quick());
  l.due(0);
  l.up(1, 11, 0);
  l.down(1, 1000);
  l.due(2000);
  l.up(2, 12, 2000);
  l.down(2, 2000 + 9000);  // a healthy spell (> 8 s cap)
  CHECK(l.failures() == 1);
  CHECK(l.next_due_ms() == 12000);
  l.stop();
  CHECK(l.due(20000).empty());
  CHECK(l.next_due_ms() == 0);
}

TEST_CASE("spares: a spare taken for a start that never began goes back to the pool, still warm") {
  spare_ledger l(1, quick());
  l.due(0);
  l.up(1, 11, 0);
  auto s = l.take(100);
  REQUIRE(s.has_value());
  CHECK(l.view().empty());
  l.give_back(1, 200);
  REQUIRE(l.view().size() == 1);
  CHECK(l.view()[0].ready);
  CHECK(l.view()[0].pid == 11);
  CHECK(l.due(300).empty());  // no refill: the pool is whole
  l.give_back(1, 300);        // twice: nothing more
  CHECK(l.view().size() == 1);
  auto again = l.take(400);
  REQUIRE(again.has_value());
  l.settled(1);
  l.give_back(1, 500);  // settled: used, not the pool's
  CHECK(l.view().empty());
}
