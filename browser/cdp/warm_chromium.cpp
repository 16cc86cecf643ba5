// Warm spare Chromium: the launch of one spare (warm_chromium), its shelf
// (a browser::warm_shelf, browser/spares.hpp), and its adoption.
#include "browser/cdp/warm_chromium.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "browser/browser_process.hpp"
#include "browser/cdp/chromium_session.hpp"
#include "browser/cdp/chromium_link.hpp"
#include "browser/cdp/connection.hpp"
#include "browser/deadline.hpp"
#include "browser/io_thread.hpp"

namespace camoufleet::browser::cdp {

using nlohmann::json;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

// ---- warm_chromium -----------------------------------------------------------

std::unique_ptr<warm_chromium> warm_chromium::launch(const std::string& name,
                                                     const session_options& base,
                                                     milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  session_options o = base;
  o.instance_id = name;
  auto w = std::make_unique<warm_chromium>();
  std::shared_ptr<exit_router> router = w->router;
  w->link = launch_and_connect(launch_options_of(o), deadline,
                               [router](const std::string& what) { router->report(what); });
  // The tab the adopting session drives: one CDP round trip less after a crash.
  json t = w->link.conn->call("Target.createTarget", {{"url", "about:blank"}}, "", time_left(deadline));
  w->target_id = t.value("targetId", std::string());
  return w;
}

warm_chromium::~warm_chromium() {
  if (!link.conn && !link.browser && !link.io && !link.display) return;  // adopted: the session owns it all now
  router->listen({});                                                    // our own close is nobody's news
  shut_down_chromium(link.conn, link.browser, link.io, milliseconds(2000), true);
}

std::unique_ptr<session> adopt_chromium_session(std::unique_ptr<warm_chromium> warm,
                                                const session_options& options,
                                                exit_callback on_exit) {
  return std::make_unique<chromium_session>(options, std::move(on_exit), std::move(warm));
}

int warm_chromium::pid() const { return link.browser ? link.browser->pid() : 0; }

std::shared_ptr<spare_shelf> make_chromium_spare_shelf(session_options base) {
  return std::make_shared<warm_shelf>(
      [base](const std::string& name) -> std::unique_ptr<warm_browser> {
        return warm_chromium::launch(name, base, base.start_timeout);
      },
      [](std::unique_ptr<warm_browser> warm, const session_options& options, exit_callback on_exit) {
        // Made by the launch above: a warm_chromium.
        std::unique_ptr<warm_chromium> w(static_cast<warm_chromium*>(warm.release()));
        return adopt_chromium_session(std::move(w), options, std::move(on_exit));
      });
}

}  // namespace camoufleet::browser::cdp
