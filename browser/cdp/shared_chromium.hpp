#pragma once
// Context isolation (--isolation context) on Chromium: one launched
// Chromium that several profiles share, each in its own browser context
// (context_session). The sharing itself (launched once by the first member,
// closed with the last, its death heard by every member) is
// browser::shared_browser's.

#include <chrono>
#include <memory>
#include <string>

#include "browser/browser_process.hpp"
#include "browser/shared_browser.hpp"

namespace camoufleet::browser {
class io_thread;
class virtual_display;
}  // namespace camoufleet::browser

namespace camoufleet::browser::cdp {

class connection;

class shared_chromium : public shared_browser {
 public:
  // name tags log lines and the profile dir ("browser_1"); options are the
  // launch options of the profile that created it.
  shared_chromium(std::string name, browser_options options);
  // Browser.close, then TERM/KILL within 2 s; removes the profile dir.
  ~shared_chromium() override;

  // Valid after ensure_started().
  std::shared_ptr<connection> conn() const;

 private:
  session_info launch(clock::time_point deadline) override;
  void abandon() override;

  const browser_options options_;
  std::unique_ptr<virtual_display> display_;
  std::unique_ptr<io_thread> io_;
  std::unique_ptr<browser_process> browser_;
  std::shared_ptr<connection> conn_;
};

}  // namespace camoufleet::browser::cdp
