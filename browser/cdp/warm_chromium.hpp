#pragma once
// One warm spare Chromium (browser/spares.hpp): launched with no profile,
// connected over CDP, a blank tab open; its exit and socket loss go through
// a router (browser/warm_shelf.hpp) whose listener changes when a session
// adopts it.

#include <chrono>
#include <memory>
#include <string>

#include "browser/cdp/chromium_link.hpp"
#include "browser/session.hpp"
#include "browser/spares.hpp"
#include "browser/warm_shelf.hpp"

namespace camoufleet::browser::cdp {

struct warm_chromium : warm_browser {
  chromium_link link;     // what the adopting session takes over whole
  std::string target_id;  // the blank tab made for the session to come

  // Launches (name tags logs and the profile dir: "spare_1") and connects
  // within timeout; throws driver_error.
  static std::unique_ptr<warm_chromium> launch(const std::string& name, const session_options& base,
                                               std::chrono::milliseconds timeout);
  ~warm_chromium() override;  // closes the browser when nobody adopted it
  int pid() const override;
};

// The Chromium spare shelf: a warm_shelf of warm_chromium, adopted by
// chromium_session (make_spare_shelf for browser_kind::chromium).
std::shared_ptr<spare_shelf> make_chromium_spare_shelf(session_options base);

// A session on an adopted spare: the browser is warm, so only the profile
// and the page are left to do (the cold path's start without the launch).
std::unique_ptr<session> adopt_chromium_session(std::unique_ptr<warm_chromium> warm,
                                                const session_options& options,
                                                exit_callback on_exit);

}  // namespace camoufleet::browser::cdp
