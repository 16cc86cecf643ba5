#pragma once
// One warm spare Firefox or Camoufox (browser/spares.hpp): launched with a
// fresh profile dir and no account (the adopting session's page applies the
// profile's cookies and storage, as on any start), a WebDriver BiDi session
// open, its initial tab found; its exit and socket loss go through a
// browser::exit_router whose listener changes when a session adopts it.

#include <chrono>
#include <memory>
#include <string>

#include "browser/bidi/firefox_link.hpp"
#include "browser/session.hpp"
#include "browser/spares.hpp"
#include "browser/warm_shelf.hpp"

namespace camoufleet::bidi {

struct warm_firefox : browser::warm_browser {
  firefox_link link;    // what the adopting session takes over whole
  std::string context;  // the initial tab, for the session to come

  // Launches (name tags logs and the profile dir: "spare_1") and opens BiDi
  // within timeout (at least firefox_min_start_timeout: Firefox starts
  // slowly on a busy machine); throws driver_error.
  static std::unique_ptr<warm_firefox> launch(const std::string& name, const browser::session_options& base,
                                              std::chrono::milliseconds timeout);
  ~warm_firefox() override;  // closes the browser when nobody adopted it
  int pid() const override;
};

// The Firefox / Camoufox spare shelf: a browser::warm_shelf of warm_firefox,
// adopted by firefox_session (make_spare_shelf for firefox and camoufox).
// base's fingerprint_file is not used: a spare has no profile yet.
std::shared_ptr<browser::spare_shelf> make_firefox_spare_shelf(browser::session_options base);

// A session on an adopted spare: the browser is warm and BiDi open, so only
// the profile and the page are left to do (the cold start without the launch).
std::unique_ptr<browser::session> adopt_firefox_session(std::unique_ptr<warm_firefox> warm,
                                                        const browser::session_options& options,
                                                        browser::exit_callback on_exit);

}  // namespace camoufleet::bidi
