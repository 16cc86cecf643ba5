#pragma once
// How a bidi_transport hears that its tab went while the browser lives on,
// so the tab's pending calls fail at once (as Chromium's cdp_transport does
// on Inspector.targetCrashed / Target.detachedFromTarget) instead of waiting
// out their timeouts. WebDriver BiDi has no crash event; what Firefox ESR
// 153 does (tried on the real browser):
//  - the tab closes (browsingContext.close, browser.removeUserContext, the
//    page's window.close()): browsingContext.contextDestroyed of the tab;
//    Firefox answers its pending script calls with "no such frame" itself.
//  - the tab's content process dies: script.realmDestroyed of the tab's
//    realms and no browsingContext event for ~1.5 s, then a
//    browsingContext.navigationCommitted to "about:tabcrashed?...". A
//    pending script.callFunction is not failed: Firefox retries it in a
//    blank document, where it waits out its whole timeout. From the moment
//    the realm is gone a new script on the tab is refused at once with
//    "unsupported operation: ... not supported for parent process browsing
//    contexts" (the crash page lives in the parent process).
// So a destroyed realm of the tab is followed by a probe (script.evaluate
// "0"): that refusal, or the commit of about:tabcrashed, is "tab crashed";
// contextDestroyed is "tab closed". A navigation also destroys realms: its
// probe runs in the new document and answers, which changes nothing.

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "browser/channel.hpp"

namespace camoufleet::bidi {

class session;

// The pure half (tested without a browser): what one event says about the
// tab. It learns the tab's realms from script.realmCreated (realmDestroyed
// names only the realm).
class tab_loss {
 public:
  enum class verdict { none, closed, crashed, probe };
  explicit tab_loss(std::string context);
  verdict see(const std::string& method, const nlohmann::json& params);

 private:
  std::string context_;
  std::set<std::string> realms_;
};

// The events tab_loss reads (the transport subscribes its tab to them).
const std::vector<std::string>& tab_events();

// Whether a committed URL is Firefox's crash page, which replaces a tab
// whose content process died.
bool is_crash_page(const std::string& url);

// A probe's error that means the tab shows a parent-process page: the crash
// page (our tabs show web content only).
bool parent_process_refusal(const std::string& error);

class tab_watch {
 public:
  // s must outlive this object. told(what) runs once, on the io thread (it
  // must not block), when the tab is gone: "tab closed" or "tab crashed";
  // its calls have failed by then (session::fail_tab) and later ones fail
  // at once.
  tab_watch(session& s, std::string context, std::function<void(const std::string& what)> told);
  ~tab_watch();
  tab_watch(const tab_watch&) = delete;
  tab_watch& operator=(const tab_watch&) = delete;

  bool gone() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
  std::vector<browser::subscription> subs_;
};

}  // namespace camoufleet::bidi
