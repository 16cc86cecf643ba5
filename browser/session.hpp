#pragma once
// The interface actors/ drives: one started browser with its chat tab
// (core::page_driver). Implementations: Chromium over CDP
// (browser/cdp/chromium_session.*), Firefox and Camoufox over WebDriver BiDi
// (browser/bidi/firefox_session.*); start_session() picks by kind.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/chat.hpp"
#include "core/page_driver.hpp"

namespace camoufleet::browser {

using core::driver_error;
using core::failure_kind;
using core::page_driver;

enum class display_mode { headless, visible, virtual_display };
// chromium speaks CDP; firefox and camoufox speak WebDriver BiDi.
enum class browser_kind { chromium, firefox, camoufox };
inline const char* to_string(browser_kind kind) {
  return kind == browser_kind::firefox ? "firefox" : kind == browser_kind::camoufox ? "camoufox" : "chromium";
}

struct session_options {
  std::string instance_id;     // for log lines: "instance_1"
  browser_kind kind = browser_kind::chromium;
  std::string browser_path = "chromium";
  display_mode display = display_mode::headless;
  std::string x_display;       // ":99" for virtual_display
  int base_port = 9222;        // first DevTools port tried (chromium; BiDi asks for port 0)
  std::string profile_root;    // parent of the private user-data dirs ("" = system temp)
  std::string ws_endpoint;     // non-empty: attach to this browser, launch nothing
  std::string auth_file;       // Playwright storageState JSON ("" = none)
  // camoufox only: the profile's fingerprint JSON (NAME.camoufox.json beside
  // the profile, "" = none), handed to the browser as CAMOU_CONFIG_1..N.
  std::string fingerprint_file;
  std::string site_url;        // the chat page
  std::string site_file;       // the driver's site knowledge (JSON)
  // Read the answer through a hook script in the page instead of the
  // network (the way protocols without body streaming must: BiDi always).
  bool page_hook = false;
  std::chrono::milliseconds start_timeout{30000};
  // A warm spare to adopt instead of launching (browser/spares.hpp; 0 =
  // none). One that is gone by then means a cold start.
  std::uint64_t spare_id = 0;
};

struct session_info {
  int pid = 0;       // 0 when attached
  int port = 0;      // DevTools / WebDriver BiDi port
  std::string ws_endpoint;
};

// What a full garbage collection in the page's JavaScript engine left.
struct heap_collection {
  bool done = false;  // false: this browser offers no such command (Firefox over BiDi)
  std::int64_t before_bytes = 0;  // the JS heap in use before and after
  std::int64_t after_bytes = 0;
};

class session {
 public:
  virtual ~session() = default;
  virtual session_info info() const = 0;
  virtual page_driver& page() = 0;
  // A full garbage collection in the page (Chromium: CDP
  // HeapProfiler.collectGarbage), for an idle page: V8 leaves the garbage
  // of thousands of answers in a long-lived tab (bench P7). Throws as page
  // calls do when the browser is gone.
  virtual heap_collection collect_garbage(std::chrono::milliseconds timeout) {
    (void)timeout;
    return {};
  }
  // Asks the browser to close, then SIGTERM/SIGKILL after the grace; removes the profile dir.
  virtual void close(std::chrono::milliseconds grace) = 0;
};

// Called once, from a cdp thread, when the browser exits or its socket breaks
// (never after close() returned). Must not block.
using exit_callback = std::function<void(const std::string& reason)>;

// Launch (or attach), connect, load the auth profile, open the site. Blocks up
// to options.start_timeout; throws driver_error.
using session_factory =
    std::function<std::unique_ptr<session>(const session_options&, exit_callback)>;

namespace cdp {
std::unique_ptr<session> start_chromium_session(const session_options& options,
                                                exit_callback on_exit);
// Context isolation for Chromium: each session is an isolated browser
// context (own cookies, storage, tab) of a browser shared by up to
// accounts_per_browser sessions of this factory, launched by the first and
// closed with the last (browser/cdp/context_session.*).
session_factory make_context_session_factory(int accounts_per_browser);
}  // namespace cdp

// process: one browser per profile (the default). context: profiles share
// browsers, one isolated context each; one fault domain per browser.
enum class isolation { process, context };

// The session_factory for every kind: start_chromium_session for chromium,
// bidi::start_firefox_session for firefox and camoufox (library
// camoufleet_sessions).
std::unique_ptr<session> start_session(const session_options& options, exit_callback on_exit);

// The factory for an isolation mode: start_session for process; for context,
// launched Chromium profiles share Chromium browsers
// (make_context_session_factory), launched Firefox profiles share Firefox
// browsers (bidi::make_user_context_session_factory, one user context each),
// and the rest (Camoufox, whose fingerprint is per process, and an attached
// browser) start as in process mode.
// spares (process mode): a start whose options name a spare_id adopts that
// warm spare from the shelf when it is still there.
class spare_shelf;
session_factory make_session_factory(isolation mode, int accounts_per_browser,
                                     std::shared_ptr<spare_shelf> spares = nullptr);

}  // namespace camoufleet::browser
