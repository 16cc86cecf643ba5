#include <doctest/doctest.h>

#include "actors/instance_state.hpp"

using namespace camoufleet;
using k = instance_event_kind;
using fk = core::failure_kind;
using st = instance_status;

namespace {

fleet_timing timing() {
  fleet_timing t;
  t.backoff_initial = std::chrono::milliseconds(1000);
  t.backoff_max = std::chrono::milliseconds(60000);
  t.rate_limit_cooldown = std::chrono::milliseconds(300000);
  t.quota_cooldown = std::chrono::milliseconds(4 * 3600 * 1000);
  t.site_error_restart_threshold = 3;
  return t;
}

instance_state ready_at(std::int64_t now) {
  instance_state s(timing());
  REQUIRE(s.apply({k::started, {}, {}}, now));
  return s;
}

}  // namespace

TEST_CASE("instance_state: start, serve, finish") {
  instance_state s(timing());
  CHECK(s.status() == st::starting);
  CHECK_FALSE(s.apply({k::assigned, {}, {}}, 0));  // not ready yet
  CHECK(s.apply({k::started, {}, {}}, 0));
  CHECK(s.status() == st::ready);
  CHECK(s.apply({k::assigned, {}, {}}, 1));
  CHECK(s.status() == st::busy);
  CHECK_FALSE(s.apply({k::assigned, {}, {}}, 1));  // one request at a time
  CHECK(s.apply({k::finished, {}, {}}, 2));
  CHECK(s.status() == st::ready);
  CHECK_FALSE(s.apply({k::finished, {}, {}}, 2));
}

TEST_CASE("instance_state: a first crash restarts at once, repeats back off exponentially, capped, reset by a success") {
  auto s = ready_at(0);
  std::int64_t now = 0;
  std::vector<std::int64_t> delays;
  for (int i = 0; i < 8; ++i) {
    REQUIRE(s.apply({k::crashed, fk::browser_gone, "gone"}, now));
    CHECK(s.status() == st::error);
    delays.push_back(s.until_ms() - now);
    if (i > 0) CHECK_FALSE(s.apply({k::restart, {}, {}}, s.until_ms() - 1));  // too early
    now = s.until_ms();
    REQUIRE(s.apply({k::restart, {}, {}}, now));
    CHECK(s.status() == st::starting);
    REQUIRE(s.apply({k::started, {}, {}}, now));
  }
  CHECK(delays == std::vector<std::int64_t>{0, 1000, 2000, 4000, 8000, 16000, 32000, 60000});
  CHECK(s.error_count() == 8);
  REQUIRE(s.apply({k::assigned, {}, {}}, now));
  REQUIRE(s.apply({k::finished, {}, {}}, now));
  REQUIRE(s.apply({k::crashed, fk::browser_gone, "gone"}, now));
  CHECK(s.until_ms() - now == 0);
  CHECK(s.error_count() == 9);
}

TEST_CASE("instance_state: a failed start goes to error with its reason") {
  instance_state s(timing());
  CHECK(s.apply({k::start_failed, fk::browser_gone, "no chromium"}, 100));
  CHECK(s.status() == st::error);
  CHECK(s.reason() == "no chromium");
  CHECK(s.until_ms() == 100);  // first failure: retry at once
  REQUIRE(s.apply({k::restart, {}, {}}, 100));
  CHECK(s.apply({k::start_failed, fk::browser_gone, "no chromium"}, 100));
  CHECK(s.until_ms() == 1100);  // a repeat backs off
}

TEST_CASE("instance_state: a rate limit while starting waits the cooldown, then restarts") {
  instance_state s(timing());
  CHECK(s.apply({k::start_failed, fk::rate_limited, "429 on load"}, 1000));
  CHECK(s.status() == st::error);
  CHECK(s.until_ms() == 301000);
  CHECK_FALSE(s.apply({k::restart, {}, {}}, 300999));
  CHECK(s.apply({k::restart, {}, {}}, 301000));
  CHECK(s.status() == st::starting);
}

TEST_CASE("instance_state: rate limit and quota cool down until a time") {
  auto s = ready_at(0);
  REQUIRE(s.apply({k::assigned, {}, {}}, 0));
  REQUIRE(s.apply({k::failed, fk::rate_limited, "429"}, 1000));
  CHECK(s.status() == st::cooldown);
  CHECK(s.until_ms() == 301000);
  CHECK_FALSE(s.apply({k::assigned, {}, {}}, 2000));
  CHECK_FALSE(s.apply({k::tick, {}, {}}, 300999));
  CHECK(s.status() == st::cooldown);
  CHECK(s.apply({k::tick, {}, {}}, 301000));
  CHECK(s.status() == st::ready);

  REQUIRE(s.apply({k::assigned, {}, {}}, 0));
  REQUIRE(s.apply({k::failed, fk::quota_exceeded, "quota"}, 0));
  CHECK(s.status() == st::cooldown);
  CHECK(s.until_ms() == 4LL * 3600 * 1000);
}

TEST_CASE("instance_state: login lost waits for a new profile, no restart loop") {
  auto s = ready_at(0);
  REQUIRE(s.apply({k::assigned, {}, {}}, 0));
  REQUIRE(s.apply({k::failed, fk::login_lost, "sign-in page"}, 10));
  CHECK(s.status() == st::needs_login);
  CHECK_FALSE(s.apply({k::restart, {}, {}}, 1000000));
  CHECK_FALSE(s.apply({k::crashed, fk::browser_gone, "x"}, 1000000));
  CHECK(s.status() == st::needs_login);
  CHECK(s.apply({k::new_profile, {}, {}}, 20));
  CHECK(s.status() == st::starting);
}

TEST_CASE("instance_state: site errors restart only after a run of them") {
  auto s = ready_at(0);
  for (int i = 0; i < 2; ++i) {
    REQUIRE(s.apply({k::assigned, {}, {}}, 0));
    REQUIRE(s.apply({k::failed, fk::site_error, "toast"}, 0));
    CHECK(s.status() == st::ready);
  }
  REQUIRE(s.apply({k::assigned, {}, {}}, 0));
  REQUIRE(s.apply({k::failed, fk::site_error, "toast"}, 0));
  CHECK(s.status() == st::error);
}

TEST_CASE("instance_state: cancel leaves the page ready, timeout restarts it") {
  auto s = ready_at(0);
  REQUIRE(s.apply({k::assigned, {}, {}}, 0));
  REQUIRE(s.apply({k::failed, fk::cancelled, "stop"}, 0));
  CHECK(s.status() == st::ready);
  CHECK(s.error_count() == 0);
  REQUIRE(s.apply({k::assigned, {}, {}}, 0));
  REQUIRE(s.apply({k::failed, fk::timeout, "slow"}, 0));
  CHECK(s.status() == st::error);
}

TEST_CASE("instance_state: stop from anywhere, once") {
  auto s = ready_at(0);
  CHECK(s.apply({k::stop, {}, {}}, 0));
  CHECK(s.status() == st::stopping);
  CHECK_FALSE(s.apply({k::stop, {}, {}}, 0));
  CHECK_FALSE(s.apply({k::started, {}, {}}, 0));
  CHECK_FALSE(s.apply({k::crashed, fk::browser_gone, ""}, 0));
}

TEST_CASE("instance_state: a page loaded afresh leaves the rotation and comes back ready") {
  auto s = ready_at(0);
  CHECK(s.apply({k::recycle, {}, {}}, 1));
  CHECK(s.status() == st::recycling);
  CHECK_FALSE(s.apply({k::assigned, {}, {}}, 1));  // no request meanwhile
  CHECK_FALSE(s.apply({k::recycle, {}, {}}, 1));   // once at a time
  CHECK(s.apply({k::recycled, {}, {}}, 2));
  CHECK(s.status() == st::ready);
  CHECK(s.error_count() == 0);
  CHECK_FALSE(s.apply({k::recycled, {}, {}}, 3));  // nothing to end
  // Only an idle page is loaded afresh.
  REQUIRE(s.apply({k::assigned, {}, {}}, 4));
  CHECK_FALSE(s.apply({k::recycle, {}, {}}, 4));
}

TEST_CASE("instance_state: a page that does not load again restarts the browser, or waits for a login") {
  auto s = ready_at(0);
  REQUIRE(s.apply({k::recycle, {}, {}}, 1));
  CHECK(s.apply({k::recycle_failed, fk::site_error, "no prompt box"}, 2));
  CHECK(s.status() == st::error);  // a site error that would leave it "ready" still restarts
  CHECK(s.reason() == "no prompt box");
  CHECK(s.error_count() == 1);
  CHECK(s.apply({k::restart, {}, {}}, s.until_ms()));
  CHECK(s.status() == st::starting);

  auto t = ready_at(0);
  REQUIRE(t.apply({k::recycle, {}, {}}, 1));
  CHECK(t.apply({k::recycle_failed, fk::login_lost, "sign-in page"}, 2));
  CHECK(t.status() == st::needs_login);

  auto u = ready_at(0);
  REQUIRE(u.apply({k::recycle, {}, {}}, 1));
  CHECK(u.apply({k::recycle_failed, fk::rate_limited, "slow down"}, 2));
  CHECK(u.status() == st::error);  // no page to cool down with

  auto v = ready_at(0);
  REQUIRE(v.apply({k::recycle, {}, {}}, 1));
  CHECK(v.apply({k::crashed, fk::browser_gone, "gone"}, 2));  // the browser died meanwhile
  CHECK(v.status() == st::error);

  auto w = ready_at(0);
  REQUIRE(w.apply({k::recycle, {}, {}}, 1));
  CHECK(w.apply({k::new_profile, {}, {}}, 2));
  CHECK(w.status() == st::starting);
  CHECK(w.apply({k::stop, {}, {}}, 3));
}
