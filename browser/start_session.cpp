#include <spdlog/spdlog.h>

#include "browser/bidi/firefox_session.hpp"
#include "browser/bidi/launcher.hpp"
#include "browser/bidi/user_context_session.hpp"
#include "browser/bidi/warm_firefox.hpp"
#include "browser/cdp/warm_chromium.hpp"
#include "browser/login_window.hpp"
#include "browser/session.hpp"
#include "browser/spares.hpp"

namespace camoufleet::browser {

std::unique_ptr<session> start_session(const session_options& options, exit_callback on_exit) {
  if (options.kind == browser_kind::chromium) return cdp::start_chromium_session(options, std::move(on_exit));
  return bidi::start_firefox_session(options, std::move(on_exit));
}

session_factory make_session_factory(isolation mode, int accounts_per_browser,
                                     std::shared_ptr<spare_shelf> spares) {
  if (mode == isolation::process && !spares) return start_session;
  if (mode == isolation::process) {
    return [spares](const session_options& options, exit_callback on_exit) -> std::unique_ptr<session> {
      // Whether a spare fits this profile was decided when it was asked for
      // (actors/spare_ledger.hpp, spare_fits).
      if (options.spare_id != 0 && options.ws_endpoint.empty()) {
        if (auto s = spares->adopt(options.spare_id, options, on_exit)) return s;
        spdlog::warn("instance={} spare {} is gone: starting a browser cold", options.instance_id,
                     options.spare_id);
      }
      return start_session(options, std::move(on_exit));
    };
  }
  session_factory chromium = cdp::make_context_session_factory(accounts_per_browser);
  session_factory firefox = bidi::make_user_context_session_factory(accounts_per_browser);
  return [chromium, firefox](const session_options& options, exit_callback on_exit) {
    // Only a browser we launch is ours to share. Camoufox keeps one of its
    // own: its fingerprint is the whole process's, not a user context's.
    if (options.ws_endpoint.empty() && options.kind == browser_kind::chromium)
      return chromium(options, std::move(on_exit));
    if (options.ws_endpoint.empty() && options.kind == browser_kind::firefox)
      return firefox(options, std::move(on_exit));
    return start_session(options, std::move(on_exit));
  };
}

std::shared_ptr<spare_shelf> make_spare_shelf(session_options base) {
  if (base.kind == browser_kind::chromium) return cdp::make_chromium_spare_shelf(std::move(base));
  return bidi::make_firefox_spare_shelf(std::move(base));
}

std::unique_ptr<login_window> launch_login_window(browser_kind kind, const browser_options& options,
                                                  std::chrono::milliseconds connect_timeout) {
  if (kind == browser_kind::chromium) return cdp::launch_login_window(options, connect_timeout);
  bidi::firefox_options fo;
  fo.instance_id = options.instance_id;
  fo.kind = kind == browser_kind::camoufox ? bidi::firefox_kind::camoufox : bidi::firefox_kind::firefox;
  fo.browser_path = options.browser_path;
  fo.display = options.display;
  fo.x_display = options.x_display;
  fo.profile_root = options.profile_root;
  fo.start_timeout = options.start_timeout;
  return bidi::launch_login_window(fo, connect_timeout);
}

}  // namespace camoufleet::browser
