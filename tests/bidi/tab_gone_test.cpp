// A tab of firefox-esr that goes while its browser lives on (its content
// process killed, its browsing context closed): the tab's pending script
// calls fail at once with browser_gone naming the cause (bidi::tab_watch),
// not after their timeouts, and the other user contexts go on.
#include <doctest/doctest.h>

#include <signal.h>

#include <future>
#include <mutex>

#include "browser/bidi/bidi_transport.hpp"
#include "browser/bidi/launcher.hpp"
#include "browser/bidi/session.hpp"
#include "browser/bidi/shared_firefox.hpp"
#include "browser/bidi/tab_watch.hpp"
#include "tests/bidi/content_process.hpp"
#include "tests/bidi/firefox_test_util.hpp"
#include "tests/bidi/test_page_server.hpp"
#include "tests/browser/scratch_dir.hpp"

using namespace camoufleet::bidi;
using namespace camoufleet::bidi::testing;
using camoufleet::browser::testing::scratch_dir;
using camoufleet::core::driver_error;
using camoufleet::core::failure_kind;
using nlohmann::json;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr std::chrono::milliseconds start_allowance{90000};
// What each pending call allows itself; it must fail in under a third of it.
constexpr std::chrono::milliseconds call_timeout{30000};
// Spins (so its content process shows in CPU time), then never settles.
const char spin_then_wait[] =
    "() => { const end = Date.now() + 8000; while (Date.now() < end) {} return new Promise(() => {}); }";
const char wait_forever[] = "() => new Promise(() => {})";

// One tab: its user context, its window, a transport that records what it was told.
struct tab {
  std::string user_context;
  std::string window;
  std::mutex m;
  std::vector<std::string> told;
  std::unique_ptr<bidi_transport> transport;

  std::vector<std::string> heard() {
    std::lock_guard<std::mutex> lock(m);
    return told;
  }
  void watch(session& s, const std::string& origin) {
    transport = std::make_unique<bidi_transport>(s, window, origin, user_context, [this](const std::string& what) {
      std::lock_guard<std::mutex> lock(m);
      told.push_back(what);
    });
    transport->enable(20s);  // before the page loads: its realms are seen
    s.navigate(window, origin + "/", 20s);
  }
};

void open_tab(session& s, tab& t, const std::string& origin) {
  t.user_context = s.command("browser.createUserContext", json::object(), 20s).value("userContext", "");
  REQUIRE_FALSE(t.user_context.empty());
  t.window = s.command("browsingContext.create", {{"type", "window"}, {"userContext", t.user_context}}, 20s)
                 .value("context", "");
  REQUIRE_FALSE(t.window.empty());
  t.watch(s, origin);
}

// How a pending call ended, and when.
struct outcome {
  bool failed = false;
  failure_kind kind = failure_kind::site_error;
  std::string what;
  clock_type::time_point at;
};

std::future<outcome> pending_call(bidi_transport& t, const char* function) {
  return std::async(std::launch::async, [&t, function] {
    outcome o;
    try {
      t.call(function, json::object(), call_timeout);
    } catch (const driver_error& e) {
      o.failed = true;
      o.kind = e.kind();
      o.what = e.what();
    }
    o.at = clock_type::now();
    return o;
  });
}

// Kills the content process of the tab that runs spin_then_wait: the one
// whose CPU time grows by a second. Returns its pid (0: none found).
int kill_spinning_process(int browser_pid, const std::map<int, long>& before) {
  int victim = 0;
  wait_until([&] { return (victim = busiest_content_process(browser_pid, before, 100)) != 0; }, 20s);
  if (victim != 0) ::kill(victim, SIGKILL);
  return victim;
}

// The pending call failed in under a third of its timeout, as browser_gone naming why.
void check_failed_fast(std::future<outcome>& call, clock_type::time_point since, const std::string& why) {
  REQUIRE(call.wait_for(call_timeout / 3) == std::future_status::ready);
  outcome o = call.get();
  INFO("the call ended with: " << o.what);
  CHECK(o.failed);
  CHECK(o.kind == failure_kind::browser_gone);
  CHECK(o.what.find(why) != std::string::npos);
  CHECK(o.at - since < call_timeout / 3);
  MESSAGE(why << ": the pending call failed after "
              << std::chrono::duration_cast<std::chrono::milliseconds>(o.at - since).count() << " ms");
}

}  // namespace

TEST_CASE("tab_loss: what each event says about the tab") {
  tab_loss loss("tab-1");
  using v = tab_loss::verdict;
  // Realms are learnt from realmCreated; realmDestroyed names the realm only.
  CHECK(loss.see("script.realmDestroyed", {{"realm", "r1"}}) == v::none);
  CHECK(loss.see("script.realmCreated", {{"realm", "r1"}, {"context", "tab-1"}, {"type", "window"}}) == v::none);
  CHECK(loss.see("script.realmCreated", {{"realm", "r2"}, {"context", "tab-2"}, {"type", "window"}}) == v::none);
  CHECK(loss.see("script.realmDestroyed", {{"realm", "r2"}}) == v::none);
  CHECK(loss.see("script.realmDestroyed", {{"realm", "r1"}}) == v::probe);
  CHECK(loss.see("script.realmDestroyed", {{"realm", "r1"}}) == v::none);  // once
  CHECK(loss.see("browsingContext.navigationCommitted", {{"context", "tab-1"}, {"url", "http://x/"}}) == v::none);
  CHECK(loss.see("browsingContext.navigationCommitted",
                 {{"context", "tab-1"}, {"url", "about:tabcrashed?e=tabcrashed&u=http%3A//x/"}}) == v::crashed);
  CHECK(loss.see("browsingContext.navigationCommitted",
                 {{"context", "tab-2"}, {"url", "about:tabcrashed?e=tabcrashed"}}) == v::none);
  CHECK(loss.see("browsingContext.contextDestroyed", {{"context", "tab-2"}}) == v::none);
  CHECK(loss.see("browsingContext.contextDestroyed", {{"context", "tab-1"}, {"children", json::array()}}) ==
        v::closed);
  CHECK(loss.see("browsingContext.contextDestroyed", json("not an object")) == v::none);
  CHECK(parent_process_refusal("script.evaluate: unsupported operation: script.evaluate and script.callFunction "
                               "are not supported for parent process browsing contexts: 16"));
  CHECK_FALSE(parent_process_refusal("script.evaluate: no such frame: BrowsingContext does no longer exist"));
}

TEST_CASE("tab gone: a killed content process and a closed tab fail their pending calls at once, "
          "the other user context goes on") {
  page_server server;
  scratch_dir root;
  firefox_options o;
  o.profile_root = root.path;
  pid_reaper reaper;  // declared first: it runs last
  auto browser = std::make_shared<shared_firefox>("firefox_g", o);
  browser->ensure_started(shared_firefox::clock::now() + start_allowance);
  const int pid = browser->info().pid;
  reaper.pid = pid;
  session& s = browser->bidi();
  tab alice, bob, carol;
  open_tab(s, alice, server.origin());
  open_tab(s, bob, server.origin());
  open_tab(s, carol, server.origin());

  SUBCASE("content process killed") {
    const auto before = content_process_ticks(pid);
    auto call = pending_call(*alice.transport, spin_then_wait);
    const int victim = kill_spinning_process(pid, before);
    REQUIRE(victim != 0);
    const auto killed = clock_type::now();
    check_failed_fast(call, killed, "tab crashed");
    CHECK(wait_until([&] { return alice.heard() == std::vector<std::string>{"tab crashed"}; }, 10s));
    CHECK_FALSE(alice.transport->is_open());
    // A later call on the crashed tab fails at once too.
    auto later = pending_call(*alice.transport, wait_forever);
    check_failed_fast(later, clock_type::now(), "tab crashed");
  }
  SUBCASE("tab closed") {
    auto call = pending_call(*alice.transport, wait_forever);
    // The call is on its way before the tab goes (it never settles by itself).
    CHECK(call.wait_for(300ms) == std::future_status::timeout);
    const auto closed = clock_type::now();
    s.command("browsingContext.close", {{"context", alice.window}}, 20s);
    check_failed_fast(call, closed, "tab closed");
    CHECK(wait_until([&] { return alice.heard() == std::vector<std::string>{"tab closed"}; }, 10s));
    CHECK_FALSE(alice.transport->is_open());
  }

  // The others heard nothing, answer, and the browser lives.
  CHECK(bob.transport->call("() => 6 * 7", json::object(), 10s) == 42);
  CHECK(carol.transport->call("() => document.readyState", json::object(), 10s) == "complete");
  CHECK(bob.transport->is_open());
  CHECK(bob.heard().empty());
  CHECK(carol.heard().empty());
  CHECK(process_alive(pid));
  CHECK(browser->usable());
  for (tab* t : {&alice, &bob, &carol}) t->transport.reset();
}

TEST_CASE("tab gone: a Firefox of its own, its one tab's content process killed: the pending call fails at once") {
  page_server server;
  scratch_dir root;
  firefox_options o;
  o.profile_root = root.path;
  o.start_timeout = start_allowance;
  auto ff = firefox_process::launch(o);
  pid_reaper reaper;
  reaper.pid = ff->process().pid();
  camoufleet::browser::io_thread io;
  auto s = session::open(io, ff->ws_endpoint(), start_allowance);
  tab only;
  only.window = s->initial_context(20s);
  only.watch(*s, server.origin());

  const auto before = content_process_ticks(reaper.pid);
  auto call = pending_call(*only.transport, spin_then_wait);
  REQUIRE(kill_spinning_process(reaper.pid, before) != 0);
  check_failed_fast(call, clock_type::now(), "tab crashed");
  CHECK(wait_until([&] { return only.heard() == std::vector<std::string>{"tab crashed"}; }, 10s));
  CHECK(s->alive());
  only.transport.reset();
  s.reset();
  io.stop();
}
