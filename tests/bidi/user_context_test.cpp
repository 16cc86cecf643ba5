// Context isolation on Firefox (issue 21): user contexts of one firefox-esr
// shared through bidi::shared_firefox keep separate cookies, each window
// stays visible (not throttled), removing one user context leaves the
// other, a page hung in one blocks neither the other nor the browser, and
// the shared browser's death reaches each member once.
#include <doctest/doctest.h>

#include <signal.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "browser/bidi/session.hpp"
#include "browser/bidi/shared_firefox.hpp"
#include "tests/bidi/firefox_test_util.hpp"
#include "tests/bidi/test_page_server.hpp"
#include "tests/browser/scratch_dir.hpp"

using namespace camoufleet::bidi;
using namespace camoufleet::bidi::testing;
using camoufleet::browser::testing::scratch_dir;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Launch to the first BiDi answer: what a Firefox session allows itself
// (firefox_min_start_timeout); 30 s and more on a loaded 2-core machine.
constexpr std::chrono::milliseconds start_allowance{90000};

// One profile's part of the shared browser: its user context and window.
struct member {
  std::string user_context;
  std::string window;
};

member open_member(session& s) {
  member m;
  m.user_context = s.command("browser.createUserContext", json::object(), 20s).value("userContext", "");
  REQUIRE_FALSE(m.user_context.empty());
  json created = s.command("browsingContext.create", {{"type", "window"}, {"userContext", m.user_context}}, 20s);
  m.window = created.value("context", "");
  REQUIRE_FALSE(m.window.empty());
  return m;
}

camoufleet::browser::stored_cookie sid_cookie(const std::string& value) {
  camoufleet::browser::stored_cookie c;
  c.name = "SID";
  c.value = value;
  c.domain = "127.0.0.1";
  c.same_site = "Lax";
  return c;
}

std::vector<std::string> sid_values(session& s, const std::string& origin, const std::string& user_context) {
  std::vector<std::string> out;
  for (const auto& c : s.get_cookies(origin, 10s, user_context))
    if (c.name == "SID") out.push_back(c.value);
  return out;
}

}  // namespace

TEST_CASE("user contexts: two profiles in one firefox-esr keep their own cookies, each window visible") {
  page_server server;
  scratch_dir root;
  firefox_options o;
  o.profile_root = root.path;
  pid_reaper reaper;  // declared first: it runs last, after the browser's own close
  auto browser = std::make_shared<shared_firefox>("firefox_t", o);
  browser->ensure_started(shared_firefox::clock::now() + start_allowance);
  const int pid = browser->info().pid;
  reaper.pid = pid;
  REQUIRE(pid > 0);
  CHECK(browser->info().port > 0);
  session& s = browser->bidi();

  member alice = open_member(s);
  member bob = open_member(s);
  CHECK(alice.user_context != bob.user_context);
  s.set_cookie(sid_cookie("alice-1"), server.origin(), 10s, alice.user_context);
  s.set_cookie(sid_cookie("bob-2"), server.origin(), 10s, bob.user_context);

  // Each jar holds its own profile's cookie only; the default one holds none.
  CHECK(sid_values(s, server.origin(), alice.user_context) == std::vector<std::string>{"alice-1"});
  CHECK(sid_values(s, server.origin(), bob.user_context) == std::vector<std::string>{"bob-2"});
  CHECK(sid_values(s, server.origin(), "default").empty());
  // A partition that names no user context matches every jar (firefox-esr
  // 153): a member must always name its own, for reads as for writes.
  CHECK(sid_values(s, server.origin(), "").size() == 2);

  // Each window sends its own cookie over the wire and sees only it.
  s.navigate(alice.window, server.origin() + "/", 20s);
  s.navigate(bob.window, server.origin() + "/", 20s);
  // (The page, then maybe its favicon: each request carries one jar only.)
  bool alice_sent = false, bob_sent = false, mixed = false;
  for (const auto& header : server.cookie_headers()) {
    INFO("Cookie: " << header);
    const bool a = header.find("SID=alice-1") != std::string::npos;
    const bool b = header.find("SID=bob-2") != std::string::npos;
    alice_sent |= a;
    bob_sent |= b;
    mixed |= a && b;
  }
  CHECK(alice_sent);
  CHECK(bob_sent);
  CHECK_FALSE(mixed);
  CHECK(s.evaluate(alice.window, "document.cookie", 10s) == "SID=alice-1");
  CHECK(s.evaluate(bob.window, "document.cookie", 10s) == "SID=bob-2");
  // A page's own write stays in its jar.
  s.evaluate(alice.window, "document.cookie = 'local=only-alice; path=/'", 10s);
  CHECK(s.evaluate(bob.window, "document.cookie.includes('local=')", 10s) == false);

  // A window per profile: none is a hidden (throttled) background tab, so
  // 20 timers of 5 ms take well under a second in either.
  const char* timers =
      "new Promise(done => { const t0 = performance.now(); let n = 0;"
      " const tick = () => ++n < 20 ? setTimeout(tick, 5) : done([document.visibilityState,"
      " Math.round(performance.now() - t0)]); tick(); })";
  for (const auto* m : {&alice, &bob}) {
    json r = s.evaluate(m->window, timers, 20s);
    INFO("window " << m->window << ": " << r.dump());
    CHECK(r[0] == "visible");
    CHECK(r[1].get<int>() < 1500);
  }

  // Removing one user context closes its window and drops its jar; the other
  // profile and the browser go on.
  s.command("browser.removeUserContext", {{"userContext", alice.user_context}}, 20s);
  try {
    s.get_cookies(server.origin(), 10s, alice.user_context);
    FAIL("the removed user context still answered");
  } catch (const error& e) {
    CHECK(e.code() == "no such user context");
  }
  CHECK(sid_values(s, server.origin(), bob.user_context) == std::vector<std::string>{"bob-2"});
  CHECK(s.evaluate(bob.window, "document.cookie", 10s) == "SID=bob-2");
  CHECK(process_alive(pid));
  CHECK(browser->usable());

  // The last owner lets go: the browser closes and its process is gone.
  browser.reset();
  CHECK_FALSE(process_alive(pid));
}

TEST_CASE("user contexts: kill -9 of the shared firefox reaches each member once") {
  scratch_dir root;
  firefox_options o;
  o.profile_root = root.path;
  pid_reaper reaper;
  shared_firefox browser("firefox_k", o);
  browser.ensure_started(shared_firefox::clock::now() + start_allowance);
  reaper.pid = browser.info().pid;
  open_member(browser.bidi());
  open_member(browser.bidi());

  std::mutex m;
  std::vector<std::string> heard_a, heard_b;
  auto hear = [&m](std::vector<std::string>& into) {
    return [&m, &into](const std::string& why) {
      std::lock_guard<std::mutex> lock(m);
      into.push_back(why);
    };
  };
  browser.add_listener(hear(heard_a));
  browser.add_listener(hear(heard_b));
  REQUIRE(::kill(reaper.pid, SIGKILL) == 0);
  // Both the process exit and the dropped socket report it: one is heard.
  CHECK(wait_until(
      [&] {
        std::lock_guard<std::mutex> lock(m);
        return heard_a.size() == 1 && heard_b.size() == 1;
      },
      15s));
  CHECK(wait_until([&] { return !browser.bidi().alive(); }, 15s));
  std::lock_guard<std::mutex> lock(m);
  CHECK(heard_a.size() == 1);
  CHECK(heard_b.size() == 1);
  CHECK(heard_a[0].find("firefox_k") != std::string::npos);
  CHECK_FALSE(browser.usable());
}

TEST_CASE("user contexts: a page hung in one user context, the other's page and the browser still answer") {
  page_server server;
  scratch_dir root;
  firefox_options o;
  o.profile_root = root.path;
  pid_reaper reaper;
  shared_firefox browser("firefox_h", o);
  browser.ensure_started(shared_firefox::clock::now() + start_allowance);
  reaper.pid = browser.info().pid;
  session& s = browser.bidi();
  member alice = open_member(s);
  member bob = open_member(s);
  // The same site in both: a content process per user context keeps them apart.
  s.navigate(alice.window, server.origin() + "/", 20s);
  s.navigate(bob.window, server.origin() + "/", 20s);

  // Shared: the reply (an error, once the page is gone) may come after this case.
  auto hang_answered = std::make_shared<std::atomic<bool>>(false);
  json hang = {{"expression", "for (;;) {}"}, {"target", {{"context", alice.window}}}, {"awaitPromise", false}};
  s.command_async("script.evaluate", hang, 60s,
                  [hang_answered](const json*, const std::string&) { *hang_answered = true; });
  // Alice's page is busy for good; Bob's page and a browser-level command are not.
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(s.evaluate(bob.window, "6 * 7", 10s) == 42);
  member carol = open_member(s);
  CHECK_FALSE(carol.user_context.empty());
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
  CHECK_FALSE(*hang_answered);
  // Removing the hung one's user context ends its page; the browser goes on.
  s.command("browser.removeUserContext", {{"userContext", alice.user_context}}, 20s);
  CHECK(s.evaluate(bob.window, "document.cookie.length >= 0", 10s) == true);
  CHECK(browser.usable());
}
