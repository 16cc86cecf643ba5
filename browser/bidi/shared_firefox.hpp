#pragma once
// Context isolation (--isolation context) on Firefox: one launched Firefox
// that several profiles share, each in a user context of its own
// (user_context_session), all over this browser's one WebDriver BiDi
// session (Firefox takes one session at a time; each member's transport
// keeps to its own tab and user context). The sharing itself (launched once
// by the first member, closed with the last, its death heard by every
// member) is browser::shared_browser's.

#include <chrono>
#include <memory>
#include <string>

#include "browser/bidi/launcher.hpp"
#include "browser/shared_browser.hpp"

namespace camoufleet::browser {
class io_thread;
class virtual_display;
}  // namespace camoufleet::browser

namespace camoufleet::bidi {

class session;

class shared_firefox : public browser::shared_browser {
 public:
  // name tags log lines and the profile dir ("firefox_1"); options are the
  // launch options of the profile that created it.
  shared_firefox(std::string name, firefox_options options);
  // browser.close, then TERM/KILL within 2 s; removes the profile dir.
  ~shared_firefox() override;

  // The one BiDi session, subscribed to browsingContext.contextDestroyed
  // (members watch their own tab's). Valid after ensure_started().
  session& bidi() const { return *bidi_; }

 private:
  browser::session_info launch(clock::time_point deadline) override;
  void abandon() override;

  const firefox_options options_;
  std::unique_ptr<browser::virtual_display> display_;
  std::unique_ptr<browser::io_thread> io_;
  std::unique_ptr<firefox_process> browser_;
  std::unique_ptr<session> bidi_;
};

}  // namespace camoufleet::bidi
