#pragma once
// Warm spare browsers (--spare-browsers N, process isolation): browsers
// launched ahead with no profile and kept on a shelf; a session that restarts
// after a crash adopts one (its profile's cookies and storage applied, its
// page opened, as on any start) instead of launching cold. Only launching
// and keeping is the shelf's; how many, who gets one and the back-off are
// decided in actors/spare_ledger. An interface, so that actors/ needs no
// protocol: make_spare_shelf() gives the shelf of the fleet's browser kind,
// Chromium (browser/cdp/warm_chromium.*) or Firefox and Camoufox
// (browser/bidi/warm_firefox.*), both a browser::warm_shelf
// (browser/warm_shelf.*).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "browser/session.hpp"

namespace camoufleet::browser {

class spare_shelf {
 public:
  using up_callback = std::function<void(std::uint64_t id, int pid)>;
  using down_callback = std::function<void(std::uint64_t id, const std::string& reason)>;

  virtual ~spare_shelf() = default;

  // Where launches and deaths are reported (from shelf or browser threads;
  // must not block). Set once, before the first launch().
  virtual void on_events(up_callback on_up, down_callback on_down) = 0;
  // Launches spare `id` on a thread of the shelf and returns at once: on_up
  // when it is warm, on_down when the launch failed or, later, when it died
  // on the shelf.
  virtual void launch(std::uint64_t id) = 0;
  // Stops every spare on the shelf and waits for launches under way (each
  // stops what it launched); launch() does nothing afterwards. Idempotent.
  virtual void close() = 0;
  // The pids of the spares on the shelf now.
  virtual std::vector<int> pids() const = 0;
  // A session started on spare `id` (taken off the shelf: its browser's
  // loss is then on_exit's news), as the session factory's start would
  // give; nullptr when that spare is gone. Blocks like a start; throws
  // driver_error. For make_session_factory, not for actors/.
  virtual std::unique_ptr<session> adopt(std::uint64_t id, const session_options& options,
                                         exit_callback on_exit) = 0;
};

// Spares of base's kind (Chromium, Firefox or Camoufox) launched with its
// browser path, display, profile root and start timeout, with no profile (a
// Camoufox spare has no fingerprint either); the shelf that
// make_session_factory adopts from (library camoufleet_sessions).
std::shared_ptr<spare_shelf> make_spare_shelf(session_options base);

}  // namespace camoufleet::browser
