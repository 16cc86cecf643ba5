// A BiDi session against a real firefox-esr and a local test page.
#include <doctest/doctest.h>

#include <signal.h>

#include <condition_variable>
#include <fstream>
#include <functional>
#include <sstream>
#include <mutex>

#include "browser/bidi/launcher.hpp"
#include "browser/bidi/session.hpp"
#include "browser/bidi/storage.hpp"
#include "browser/virtual_display.hpp"
#include "tests/bidi/browser_fixture.hpp"
#include "tests/bidi/firefox_test_util.hpp"
#include "tests/bidi/test_page_server.hpp"
#include "tests/browser/scratch_dir.hpp"

using namespace camoufleet::bidi;
using namespace camoufleet::bidi::testing;
using camoufleet::core::driver_error;
using camoufleet::core::failure_kind;
using camoufleet::browser::io_thread;
using camoufleet::browser::testing::scratch_dir;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Wraps XMLHttpRequest before the page's scripts run and posts every new
// piece of a response body through the channel as it arrives.
const char xhr_hook[] = R"((send) => {
  window.preloadRan = true;
  const proto = XMLHttpRequest.prototype;
  const open = proto.open, sendRequest = proto.send;
  proto.open = function (method, url) { this.hookUrl = String(url); return open.apply(this, arguments); };
  proto.send = function () {
    let seen = 0;
    const flush = () => {
      const text = this.responseText;
      if (text.length > seen) { send({url: this.hookUrl, chunk: text.slice(seen)}); seen = text.length; }
    };
    this.addEventListener('progress', flush);
    this.addEventListener('loadend', () => { flush(); send({url: this.hookUrl, done: true, status: this.status}); });
    return sendRequest.apply(this, arguments);
  };
})";

struct message_log {
  std::mutex m;
  std::condition_variable cv;
  std::vector<json> items;
  void push(const json& j) {
    std::lock_guard<std::mutex> lock(m);
    items.push_back(j);
    cv.notify_all();
  }
  template <class P>
  bool wait(P pred, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(m);
    return cv.wait_for(lock, timeout, [&] { return pred(items); });
  }
};

}  // namespace

TEST_CASE("session: tab, navigate, scripts, cookies, click, streamed XHR chunks, screenshot, close") {
  page_server server;
  browser_fixture b;
  session& s = *b.s;
  CHECK(s.alive());
  CHECK_FALSE(s.id().empty());
  CHECK(s.capabilities().value("browserName", "") == "firefox");

  const std::string tab = s.initial_context(10s);
  CHECK_FALSE(tab.empty());

  message_log log;
  auto sub = s.on_channel("xhr-chunks", [&](const json& data, const std::string& context) {
    json item = data;
    item["context"] = context;
    log.push(item);
  });
  const std::string script = s.add_preload_script(xhr_hook, "xhr-chunks", {tab}, 10s);
  CHECK_FALSE(script.empty());

  // The auth profile: a cookie in the site's partition, localStorage seeded
  // by a preload script.
  camoufleet::browser::storage_state profile;
  camoufleet::browser::stored_cookie sid;
  sid.name = "SID";
  sid.value = "secret-1";
  sid.domain = "127.0.0.1";
  sid.same_site = "Lax";
  profile.cookies.push_back(sid);
  profile.origins.push_back({server.origin(), {{"seeded", "from the profile"}}});
  profile.origins.push_back({"https://elsewhere.example", {{"seeded", "wrong origin"}}});
  const std::string seed = load_storage_state(s, profile, server.origin(), {tab}, 10s);
  CHECK_FALSE(seed.empty());

  CHECK(s.navigate(tab, server.origin() + "/", 20s) == server.origin() + "/");
  CHECK(s.evaluate(tab, "document.title", 10s) == "bidi test page");
  // The preload scripts ran before the page's first script.
  CHECK(s.evaluate(tab, "window.pageSawPreload", 10s) == true);
  CHECK(s.evaluate(tab, "window.pageSawStorage", 10s) == "from the profile");
  s.remove_preload_script(seed, 10s);
  // The cookie went over the wire with the page request.
  auto seen = server.cookie_headers();
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.front().find("SID=secret-1") != std::string::npos);
  bool listed = false;
  for (const auto& c : s.get_cookies(server.origin(), 10s))
    listed |= c.name == "SID" && c.value == "secret-1" && c.same_site == "Lax";
  CHECK(listed);

  // Promises are awaited; values come back as plain JSON.
  CHECK(s.evaluate(tab, "new Promise(r => setTimeout(() => r({a: [1, 2], b: 'x', u: undefined}), 10))", 10s) ==
        json::parse(R"({"a":[1,2],"b":"x","u":null})"));
  CHECK(s.call_function(tab, "(a, b) => ({sum: a + b.n, echo: b})", {2, json{{"n", 3}, {"s", "é"}}}, 10s) ==
        json::parse(R"({"sum":5,"echo":{"n":3,"s":"é"}})"));
  // Page exceptions, thrown or rejected, are script_errors naming the error.
  for (const char* expr : {"(() => { throw new Error('boom'); })()", "Promise.reject(new Error('boom'))",
                           "new Promise((_, reject) => setTimeout(() => reject(new TypeError('late boom')), 5))"}) {
    INFO("expression: " << expr);
    try {
      s.evaluate(tab, expr, 10s);
      FAIL("no throw");
    } catch (const script_error& e) {
      CHECK(std::string(e.what()).find("boom") != std::string::npos);
    }
  }
  // A refused command carries its BiDi error code.
  try {
    s.navigate("no-such-context", "about:blank", 10s);
    FAIL("no throw");
  } catch (const error& e) {
    CHECK(e.code() == "no such frame");
  }
  try {
    s.command("bogus.command", json::object(), 10s);
    FAIL("no throw");
  } catch (const error& e) {
    CHECK(e.code() == "unknown command");
  }

  // A real click on the Run button starts the page's XHR; its first chunk
  // arrives through the channel while the server still holds the response open.
  s.click(tab, 100, 50, 10s);
  CHECK(s.evaluate(tab, "window.clicks", 10s) == 1);
  auto has_chunk = [](const std::vector<json>& items, const std::string& text) {
    for (const auto& i : items) {
      if (i.value("chunk", "") == text) return true;
    }
    return false;
  };
  REQUIRE(log.wait([&](const std::vector<json>& items) { return has_chunk(items, "part-1;"); }, 15s));
  CHECK(server.stream_open());  // the response had not ended when the chunk arrived
  server.release();
  REQUIRE(log.wait([](const std::vector<json>& items) { return !items.empty() && items.back().value("done", false); },
                   15s));
  CHECK(server.stream_released_in_time());
  {
    std::lock_guard<std::mutex> lock(log.m);
    std::string body;
    for (const auto& i : log.items) {
      body += i.value("chunk", "");
      CHECK(i["url"] == "/stream");
      CHECK(i["context"] == tab);
    }
    CHECK(body == "part-1;part-2;");
    CHECK(log.items.back()["status"] == 200);
  }

  std::string png = s.screenshot(tab, 20s);
  REQUIRE(png.size() > 8);
  CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);

  s.remove_preload_script(script, 10s);
  s.close_browser(10s);
  CHECK(b.ff->process().wait_for_exit(15s));
}

TEST_CASE("session: deadlines, one session per browser, a dropped socket is a dead browser") {
  browser_fixture b;
  session& s = *b.s;
  const std::string tab = s.initial_context(10s);

  // A command that never answers fails at its deadline; the session lives on.
  try {
    s.evaluate(tab, "new Promise(() => {})", 300ms);
    FAIL("no throw");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::timeout);
  }
  CHECK(s.evaluate(tab, "6 * 7", 10s) == 42);

  // Firefox takes one BiDi session per browser.
  try {
    session::open(b.io, b.ff->ws_endpoint() + "/session", 10s);
    FAIL("no throw");
  } catch (const error& e) {
    CHECK(e.code() == "session not created");
  }

  std::mutex m;
  std::condition_variable cv;
  std::string gone;
  s.on_gone([&](const std::string& reason) {
    std::lock_guard<std::mutex> lock(m);
    gone = reason.empty() ? "?" : reason;
    cv.notify_all();
  });
  ::kill(b.ff->process().pid(), SIGKILL);
  {
    std::unique_lock<std::mutex> lock(m);
    CHECK(cv.wait_for(lock, 10s, [&] { return !gone.empty(); }));
  }
  CHECK_FALSE(s.alive());
  try {
    s.evaluate(tab, "1", 5s);
    FAIL("no throw");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::browser_gone);
  }
}

TEST_CASE("session: a visible Firefox on a virtual display (Xvfb) with software webrender") {
  std::unique_ptr<camoufleet::browser::virtual_display> vd;
  try {
    vd = camoufleet::browser::virtual_display::start(99, 15s);
  } catch (const driver_error& e) {
    FAIL("Xvfb did not start: " << e.what());
    return;
  }
  pid_reaper xguard{vd->pid()};
  {
    browser_fixture b([&](firefox_options& o) {
      o.display = camoufleet::browser::display_mode::virtual_display;
      o.x_display = vd->name();
    });
    std::ifstream user_js(b.ff->profile_dir() + "/user.js");
    std::stringstream prefs;
    prefs << user_js.rdbuf();
    CHECK(prefs.str().find("user_pref(\"gfx.webrender.software\", true);") != std::string::npos);
    CHECK(b.s->capabilities().value("moz:headless", true) == false);
    const std::string tab = b.s->initial_context(10s);
    // The screen the page sees is Xvfb's 1280x800: it is really on our display.
    CHECK(b.s->evaluate(tab, "screen.width + 'x' + screen.height", 10s) == "1280x800");
    std::string png = b.s->screenshot(tab, 20s);
    CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
    b.s->close_browser(10s);
    CHECK(b.ff->process().wait_for_exit(15s));
  }
  vd->stop();
  CHECK_FALSE(vd->running());
}
