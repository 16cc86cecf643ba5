#pragma once
// The Firefox / Camoufox implementation of browser::session: a launched
// (firefox_process) or attached browser, one WebDriver BiDi session, its
// initial tab: site::chat_page over a bidi_transport. The answer is always
// read through the page hook (BiDi cannot stream a response body).

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "browser/session.hpp"

namespace camoufleet::site {
class chat_page;
}
namespace camoufleet::browser {
class io_thread;
class virtual_display;
namespace cdp {
class exit_latch;
}
}  // namespace camoufleet::browser

namespace camoufleet::bidi {

class firefox_process;
class session;
class bidi_transport;
struct firefox_options;
struct firefox_link;
struct warm_firefox;

// "https://host[:port]" of a URL ("" when it has none): the cookie partition.
std::string origin_of(const std::string& url);

// Firefox answers its first session.new only once its whole startup is
// done: ~10 s on a busy 2-core machine, 30 s and more with three starting
// at once. A Firefox session allows itself at least this long to start (the
// instance's own start deadline, actors/timing.hpp, stays the bound).
constexpr std::chrono::milliseconds firefox_min_start_timeout{90000};

// What a session's options say about launching its Firefox or Camoufox
// (kind, path, display, profile root, instance id, the Camoufox
// fingerprint); the start timeout and a virtual display's name are the
// caller's.
firefox_options firefox_options_of(const browser::session_options& options);

// The one teardown order of a Firefox we drive: browser.close when it is
// ours (else session.end: an attached browser takes the next client's
// session), wait (within grace) for it to exit, terminate it (which removes
// its profile dir), stop the io thread. Each part may be null; all are
// reset. Never throws.
void shut_down_firefox(std::unique_ptr<session>& bidi, std::unique_ptr<firefox_process>& browser,
                       std::unique_ptr<browser::io_thread>& io, std::chrono::milliseconds grace,
                       bool graceful);

class firefox_session : public browser::session {
 public:
  // Use start_firefox_session().
  firefox_session(const browser::session_options& options, browser::exit_callback on_exit);
  // On a warm spare (browser/bidi/warm_firefox.hpp): no launch, only profile and page.
  firefox_session(const browser::session_options& options, browser::exit_callback on_exit,
                  std::unique_ptr<warm_firefox> warm);
  ~firefox_session() override;
  firefox_session(const firefox_session&) = delete;
  firefox_session& operator=(const firefox_session&) = delete;

  browser::session_info info() const override { return info_; }
  core::page_driver& page() override;
  void close(std::chrono::milliseconds grace) override;

 private:
  void start();
  // Launches the browser (or attaches to --ws-endpoint's) and opens BiDi;
  // returns the context to drive.
  std::string launch_or_attach(std::chrono::steady_clock::time_point deadline);
  // Takes over warm_'s browser, session and tab; its loss is reported here.
  std::string adopt_warm();
  // Takes a launched browser's parts (launched here or by a spare) and its facts into info_.
  void hold(firefox_link link);
  void set_endpoint(const std::string& ws_endpoint);  // info_'s endpoint and port
  void teardown(std::chrono::milliseconds grace, bool graceful);

  browser::session_options options_;
  std::shared_ptr<browser::cdp::exit_latch> latch_;
  std::unique_ptr<warm_firefox> warm_;  // until start() adopts it
  std::unique_ptr<browser::virtual_display> display_;
  std::unique_ptr<browser::io_thread> io_;
  std::unique_ptr<firefox_process> browser_;
  std::unique_ptr<bidi::session> bidi_;
  std::unique_ptr<bidi_transport> transport_;
  std::unique_ptr<site::chat_page> page_;
  browser::session_info info_;
  std::atomic<bool> closed_{false};
};

std::unique_ptr<browser::session> start_firefox_session(const browser::session_options& options,
                                                        browser::exit_callback on_exit);

}  // namespace camoufleet::bidi
