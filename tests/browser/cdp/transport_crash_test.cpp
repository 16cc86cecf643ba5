// A tab that crashes under cdp_transport (a renderer killed, OOM, Page.crash)
// in a live browser: its calls fail at once with browser_gone instead of
// waiting out their timeouts on a renderer that will never answer, while
// the browser and its other tabs carry on. Real headless Chromium.
#include <doctest/doctest.h>

#include <future>

#include "browser/cdp/cdp_transport.hpp"
#include "core/chat.hpp"
#include "tests/browser/cdp/connection_fixture.hpp"

using namespace conn_test;
using camoufleet::core::driver_error;
using camoufleet::core::failure_kind;
using clock_type = std::chrono::steady_clock;

TEST_CASE("transport: a crashed tab fails its running and later calls at once, other tabs serve on") {
  browser_fixture f;
  const std::string crashed = f.new_page_session();
  const std::string other = f.new_page_session();
  cdp_transport tab(f.conn, crashed);
  cdp_transport next_tab(f.conn, other);
  REQUIRE(tab.is_open());

  // A call that would wait its whole 30 s for a Promise that never settles.
  auto running = std::async(std::launch::async, [&tab] {
    try {
      tab.call("() => new Promise(() => {})", json::object(), 30s);
      return failure_kind::site_error;  // it must not answer
    } catch (const driver_error& e) {
      return e.kind();
    }
  });
  REQUIRE(running.wait_for(300ms) == std::future_status::timeout);  // under way
  const auto t0 = clock_type::now();
  f.conn->call_async("Page.crash", json::object(), crashed, 5s, [](const json*, const std::string&) {});

  REQUIRE(running.wait_for(10s) == std::future_status::ready);
  const auto failed_after = clock_type::now() - t0;
  CHECK(running.get() == failure_kind::browser_gone);
  CHECK(failed_after < 10s);
  MESSAGE("the running call failed "
          << std::chrono::duration_cast<std::chrono::milliseconds>(failed_after).count()
          << " ms after Page.crash");
  CHECK_FALSE(tab.is_open());
  const auto t1 = clock_type::now();
  CHECK_THROWS_AS(tab.call("() => 1", json::object(), 30s), driver_error);
  CHECK(clock_type::now() - t1 < 2s);

  // The browser and its other tab are fine.
  CHECK(f.conn->is_open());
  CHECK(next_tab.is_open());
  CHECK(next_tab.call("(a) => a.x * 2", {{"x", 21}}, 10s) == 42);
}
