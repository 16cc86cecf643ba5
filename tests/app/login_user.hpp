#pragma once
// The user of `camoufleet login` in its tests: a second client of the
// browser the login window drives, over CDP (Chromium) or WebDriver BiDi
// (Firefox: a session of its own, taken while the login window holds none,
// since Firefox allows one at a time, and ended afterwards).

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "browser/bidi/session.hpp"
#include "browser/cdp/connection.hpp"
#include "browser/io_thread.hpp"
#include "test_support.hpp"

namespace camoufleet::app::testing_user {

using namespace std::chrono_literals;
using nlohmann::json;
namespace testing = camoufleet::testing;

const char* const fill_form_function =
    "(account, password) => { const id = document.querySelector('input[type=\"email\"][name=\"identifier\"]');"
    " const pw = document.querySelector('input[type=\"password\"][name=\"password\"]');"
    " const next = document.querySelector('button#next');"
    " if (!id || !pw || !next) return false;"
    " id.value = account; pw.value = password; next.click(); return true; }";

// The user over WebDriver BiDi: a session of our own, taken when the login
// window holds none (Firefox allows one at a time), ended afterwards.
inline std::unique_ptr<bidi::session> user_session(browser::io_thread& io, const std::string& ws) {
  std::unique_ptr<bidi::session> s;
  REQUIRE_MESSAGE(testing::wait_until(
                      [&] {
                        try {
                          s = bidi::session::open(io, ws, 10s);
                          return true;
                        } catch (const core::driver_error&) {
                          return false;  // the login window holds the session right now
                        }
                      },
                      60s, 20ms),
                  "no BiDi session for the user");
  return s;
}

inline std::string sign_in_bidi(const std::string& ws, const std::string& account,
                                const std::string& password) {
  browser::io_thread io;
  auto s = user_session(io, ws);
  std::string context, url;
  const bool signed_in = testing::wait_until(
      [&] {
        try {
          json tree = s->command("browsingContext.getTree", {{"maxDepth", 0}}, 5s);
          for (const auto& c : tree.value("contexts", json::array()))
            if (c.value("url", "").find("/ServiceLogin") != std::string::npos) {
              context = c.value("context", "");
              url = c.value("url", "");
            }
          return !context.empty() &&
                 s->call_function(context, fill_form_function, {account, password}, 5s) == true;
        } catch (const core::driver_error&) {
          return false;  // still loading
        }
      },
      30s, 100ms);
  s->command("session.end", json::object(), 5s);
  REQUIRE_MESSAGE(signed_in, "the sign-in form never showed up (" << url << ")");
  return url;
}

// Plays the user in the browser login drives: waits for the sign-in tab and
// submits the simulator's form. Returns the tab's URL it signed in from.
inline std::string sign_in(const std::string& ws, const std::string& account, const std::string& password) {
  if (testing::firefox_kind()) return sign_in_bidi(ws, account, password);
  browser::io_thread io;
  auto conn = browser::cdp::connection::connect(io, ws, 10s);
  std::string session, url;
  const bool found = testing::wait_until(
      [&] {
        json t = conn->call("Target.getTargets");
        for (const auto& info : t.value("targetInfos", json::array())) {
          if (info.value("type", "") == "page" &&
              info.value("url", "").find("/ServiceLogin") != std::string::npos) {
            url = info.value("url", "");
            session = conn->call("Target.attachToTarget",
                                 {{"targetId", info.value("targetId", "")}, {"flatten", true}})
                          .value("sessionId", "");
            return true;
          }
        }
        return false;
      },
      30s, 100ms);
  REQUIRE_MESSAGE(found, "the browser never showed the sign-in page");
  const std::string fill = std::string("(") + fill_form_function + ")(" + json(account).dump() +
                           ", " + json(password).dump() + ")";
  const bool clicked = testing::wait_until(
      [&] {
        try {
          json r = conn->call("Runtime.evaluate", {{"expression", fill}, {"returnByValue", true}},
                              session);
          return r.value("result", json::object()).value("value", false);
        } catch (const core::driver_error&) {
          return false;  // still loading
        }
      },
      20s, 100ms);
  REQUIRE_MESSAGE(clicked, "the sign-in form never showed up");
  conn->close();
  return url;
}

// The user closes the window: Browser.close (BiDi: browser.close) from a
// second client.
inline void close_as_user(const std::string& ws) {
  browser::io_thread io;
  if (testing::firefox_kind()) {
    user_session(io, ws)->close_browser(5s);
    return;
  }
  auto conn = browser::cdp::connection::connect(io, ws, 10s);
  try {
    conn->call("Browser.close", json::object(), "", 5s);
  } catch (const core::driver_error&) {
    // The socket may drop before the reply: the browser is closing either way.
  }
  conn->close();
}

}  // namespace camoufleet::app::testing_user
