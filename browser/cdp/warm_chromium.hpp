#pragma once
// One warm spare Chromium (browser/spares.hpp): launched with no profile,
// connected over CDP, a blank tab open; its exit and socket loss go through
// a router whose listener changes when a session adopts it.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "browser/session.hpp"
#include "browser/spares.hpp"

namespace camoufleet::browser {
class browser_process;
class io_thread;
class virtual_display;
}  // namespace camoufleet::browser

namespace camoufleet::browser::cdp {

class connection;

// Who hears that the browser went away: the shelf while the spare waits,
// the adopting session afterwards. The first loss is kept for a listener
// that comes late (it hears it at once). Thread-safe.
class exit_router {
 public:
  using listener = std::function<void(const std::string& reason)>;
  void report(const std::string& reason);
  // Replaces the listener; when the browser is already gone it hears that now.
  void listen(listener l);
  bool gone() const;

 private:
  mutable std::mutex mu_;
  listener listener_;
  bool gone_ = false;
  std::string reason_;
};

struct warm_chromium {
  std::unique_ptr<virtual_display> display;  // with --virtual-display only
  std::unique_ptr<io_thread> io;
  std::unique_ptr<browser_process> browser;
  std::shared_ptr<connection> conn;
  std::string target_id;  // the blank tab made for the session to come
  std::shared_ptr<exit_router> router = std::make_shared<exit_router>();

  // Launches (name tags logs and the profile dir: "spare_1") and connects
  // within timeout; throws driver_error.
  static std::unique_ptr<warm_chromium> launch(const std::string& name, const session_options& base,
                                               std::chrono::milliseconds timeout);
  ~warm_chromium();  // closes the browser when nobody adopted it
};

// The Chromium spare_shelf (make_spare_shelf).
class chromium_spare_shelf : public spare_shelf {
 public:
  explicit chromium_spare_shelf(session_options base);
  ~chromium_spare_shelf() override;  // close()
  chromium_spare_shelf(const chromium_spare_shelf&) = delete;
  chromium_spare_shelf& operator=(const chromium_spare_shelf&) = delete;

  void on_events(up_callback on_up, down_callback on_down) override;
  void launch(std::uint64_t id) override;
  void close() override;
  std::vector<int> pids() const override;

  // Spare `id`'s browser, no longer the shelf's (its death is then the
  // adopting session's news); nullptr when it is unknown, gone or closed.
  std::unique_ptr<warm_chromium> take(std::uint64_t id);

 private:
  // Shared with the browsers' exit listeners (weakly), so that a late
  // report never touches a destroyed shelf.
  struct state;
  struct launcher {
    std::thread thread;
    std::shared_ptr<bool> done;  // guarded by state::mu
  };
  void run_launch(std::uint64_t id);

  const session_options base_;
  std::shared_ptr<state> state_;
  std::vector<launcher> launchers_;  // guarded by state_->mu
};

// A session on an adopted spare: the browser is warm, so only the profile
// and the page are left to do (the cold path's start without the launch).
std::unique_ptr<session> adopt_chromium_session(std::unique_ptr<warm_chromium> warm,
                                                const session_options& options,
                                                exit_callback on_exit);

}  // namespace camoufleet::browser::cdp
