#pragma once
// The Firefox session of context isolation (--isolation context): a profile
// in a user context of its own (browser.createUserContext: own cookies,
// storage and cache) with its own window (browsingContext.create with that
// userContext) in a shared_firefox that up to accounts_per_browser
// profiles share. Closing it removes only its user context
// (browser.removeUserContext); the browser closes with its last profile.
//
// A window, not a tab: Firefox hides all tabs of a window but the selected
// one, and a hidden tab's timers are throttled to about one a second.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "browser/channel.hpp"
#include "browser/session.hpp"
#include "browser/shared_browser.hpp"

namespace camoufleet::site {
class chat_page;
}
namespace camoufleet::browser::cdp {
class exit_latch;
}

namespace camoufleet::bidi {

class bidi_transport;
class shared_firefox;

// Which shared Firefox each new user-context session joins.
using firefox_pool = browser::context_pool<shared_firefox>;
// A pool of Firefox browsers ("firefox_1", ...) of per_browser profiles each.
std::shared_ptr<firefox_pool> make_firefox_pool(int per_browser);

class user_context_session : public browser::session {
 public:
  user_context_session(std::shared_ptr<firefox_pool> pool, const browser::session_options& options,
                       browser::exit_callback on_exit);
  ~user_context_session() override;
  user_context_session(const user_context_session&) = delete;
  user_context_session& operator=(const user_context_session&) = delete;

  browser::session_info info() const override { return info_; }
  core::page_driver& page() override;
  // Removes this profile's user context (its window with it); the browser
  // closes only when this was its last profile.
  void close(std::chrono::milliseconds grace) override;

 private:
  void start(std::shared_ptr<firefox_pool> pool);
  void teardown(std::chrono::milliseconds grace);
  // A browser-level command; a timeout marks the shared browser broken.
  nlohmann::json browser_call(const std::string& method, nlohmann::json params,
                              std::chrono::steady_clock::time_point deadline);

  browser::session_options options_;
  std::shared_ptr<browser::cdp::exit_latch> latch_;
  std::shared_ptr<shared_firefox> browser_;
  int listener_id_ = 0;
  std::string user_context_;
  std::string context_;  // its window's top-level browsing context
  std::unique_ptr<bidi_transport> transport_;
  std::unique_ptr<site::chat_page> page_;
  browser::session_info info_;
  std::atomic<bool> closed_{false};
};

// Context isolation for Firefox (kind firefox, launched): each session is a
// user context of a browser shared by up to accounts_per_browser sessions
// of this factory, launched by the first and closed with the last.
browser::session_factory make_user_context_session_factory(int accounts_per_browser);

}  // namespace camoufleet::bidi
