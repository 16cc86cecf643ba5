#include "browser/bidi/firefox_session.hpp"
#include "browser/session.hpp"

namespace camoufleet::browser {

std::unique_ptr<session> start_session(const session_options& options, exit_callback on_exit) {
  if (options.kind == browser_kind::chromium) return cdp::start_chromium_session(options, std::move(on_exit));
  return bidi::start_firefox_session(options, std::move(on_exit));
}

}  // namespace camoufleet::browser
