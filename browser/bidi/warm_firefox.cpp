// Warm spare Firefox and Camoufox: the launch of one spare (warm_firefox),
// its shelf (a browser::warm_shelf, browser/spares.hpp), and its adoption.
#include "browser/bidi/warm_firefox.hpp"

#include <algorithm>

#include "browser/bidi/firefox_link.hpp"
#include "browser/bidi/firefox_session.hpp"
#include "browser/deadline.hpp"

namespace camoufleet::bidi {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

std::unique_ptr<warm_firefox> warm_firefox::launch(const std::string& name,
                                                   const browser::session_options& base,
                                                   milliseconds timeout) {
  const auto deadline = clock_type::now() + std::max(timeout, firefox_min_start_timeout);
  browser::session_options o = base;
  o.instance_id = name;
  o.fingerprint_file.clear();  // a Camoufox fingerprint is a profile's, fixed at launch
  auto w = std::make_unique<warm_firefox>();
  std::shared_ptr<browser::exit_router> router = w->router;
  w->link = launch_and_open(firefox_options_of(o), deadline,
                            [router](const std::string& what) { router->report(what); });
  // The tab the adopting session drives: one BiDi round trip less after a crash.
  w->context = w->link.bidi->initial_context(browser::time_left(deadline));
  return w;
}

warm_firefox::~warm_firefox() {
  if (!link.bidi && !link.browser && !link.io && !link.display) return;  // adopted: the session owns it all now
  router->listen({});                                                    // our own close is nobody's news
  shut_down_firefox(link.bidi, link.browser, link.io, milliseconds(2000), true);
}

int warm_firefox::pid() const { return link.browser ? link.browser->process().pid() : 0; }

std::unique_ptr<browser::session> adopt_firefox_session(std::unique_ptr<warm_firefox> warm,
                                                        const browser::session_options& options,
                                                        browser::exit_callback on_exit) {
  return std::make_unique<firefox_session>(options, std::move(on_exit), std::move(warm));
}

std::shared_ptr<browser::spare_shelf> make_firefox_spare_shelf(browser::session_options base) {
  return std::make_shared<browser::warm_shelf>(
      [base](const std::string& name) -> std::unique_ptr<browser::warm_browser> {
        return warm_firefox::launch(name, base, base.start_timeout);
      },
      [](std::unique_ptr<browser::warm_browser> warm, const browser::session_options& options,
         browser::exit_callback on_exit) {
        // Made by the launch above: a warm_firefox.
        std::unique_ptr<warm_firefox> w(static_cast<warm_firefox*>(warm.release()));
        return adopt_firefox_session(std::move(w), options, std::move(on_exit));
      });
}

}  // namespace camoufleet::bidi
