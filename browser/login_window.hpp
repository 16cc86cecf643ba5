#pragma once
// A browser window a person signs in with (`camoufleet login`): launched
// visible with no auth profile, driven only to watch where its tabs are and,
// once signed in, to read the session out. Protocol-neutral: Chromium over
// CDP (browser/cdp/chromium_login.cpp), Firefox and Camoufox over WebDriver
// BiDi (browser/bidi/firefox_login.cpp).

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "browser/browser_process.hpp"
#include "browser/session.hpp"
#include "browser/storage_state.hpp"

namespace camoufleet::browser {

struct tab_info {
  std::string id;
  std::string url;
};

class login_window {
 public:
  virtual ~login_window() = default;
  // Where a second client can reach the browser (tests and scripts use it).
  virtual std::string endpoint() const = 0;
  virtual int pid() const = 0;
  // False once the browser exited or the connection to it broke.
  virtual bool alive() const = 0;
  // Loads url in the window's own first tab (one tab, not two); site_error
  // with the browser's reason when it cannot.
  virtual void open(const std::string& url, std::chrono::milliseconds timeout) = 0;
  // The page tabs and the URL each shows.
  virtual std::vector<tab_info> tabs(std::chrono::milliseconds timeout) = 0;
  // Calls a page script (a JavaScript function expression) with args in a
  // tab's main frame; its result as JSON. site_error when the script threw.
  virtual nlohmann::json call(const std::string& tab_id, const std::string& function_source,
                              const nlohmann::json& args, std::chrono::milliseconds timeout) = 0;
  // Every cookie of the browser.
  virtual std::vector<stored_cookie> cookies(std::chrono::milliseconds timeout) = 0;
  // Asks the browser to close, then stops it for good and removes its
  // profile dir. Idempotent; never throws.
  virtual void close() noexcept = 0;
};

namespace cdp {
// Launches Chromium and connects to it. Throws driver_error.
std::unique_ptr<login_window> launch_login_window(const browser_options& options,
                                                  std::chrono::milliseconds connect_timeout);
}  // namespace cdp

// The window for a kind: Chromium over CDP, Firefox and Camoufox over BiDi
// (browser/start_session.cpp, library camoufleet_sessions). base_port and
// port_attempts are Chromium's (BiDi asks for port 0). Throws driver_error.
std::unique_ptr<login_window> launch_login_window(browser_kind kind, const browser_options& options,
                                                  std::chrono::milliseconds connect_timeout);

}  // namespace camoufleet::browser
