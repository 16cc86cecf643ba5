#include "browser/bidi/firefox_session.hpp"
#include "browser/session.hpp"

namespace camoufleet::browser {

std::unique_ptr<session> start_session(const session_options& options, exit_callback on_exit) {
  if (options.kind == browser_kind::chromium) return cdp::start_chromium_session(options, std::move(on_exit));
  return bidi::start_firefox_session(options, std::move(on_exit));
}

session_factory make_session_factory(isolation mode, int accounts_per_browser) {
  if (mode == isolation::process) return start_session;
  session_factory shared = cdp::make_context_session_factory(accounts_per_browser);
  return [shared](const session_options& options, exit_callback on_exit) {
    // Only a Chromium we launch has contexts to share (BiDi's user contexts: not yet).
    if (options.kind == browser_kind::chromium && options.ws_endpoint.empty())
      return shared(options, std::move(on_exit));
    return start_session(options, std::move(on_exit));
  };
}

}  // namespace camoufleet::browser
