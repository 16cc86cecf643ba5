#pragma once
// The spare_shelf (browser/spares.hpp) that every protocol shares: launcher
// threads, the spares waiting on the shelf, deaths reported once, hand-over,
// close. What a protocol adds is how one spare is launched and how a session
// adopts it (browser/cdp/warm_chromium.*, browser/bidi/warm_firefox.*).

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "browser/session.hpp"
#include "browser/spares.hpp"

namespace camoufleet::browser {

// Who hears that a warm browser went away: the shelf while the spare waits,
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

// One launched spare, whatever its protocol: its pid and the router its
// exit and socket loss are reported to. Destroying one nobody adopted
// stops its browser.
struct warm_browser {
  virtual ~warm_browser() = default;
  virtual int pid() const = 0;
  std::shared_ptr<exit_router> router = std::make_shared<exit_router>();
};

class warm_shelf final : public spare_shelf {
 public:
  // Launches one spare (name: "spare_<id>", for logs and its profile dir);
  // throws driver_error. Runs on a shelf thread.
  using launch_fn = std::function<std::unique_ptr<warm_browser>(const std::string& name)>;
  // A session started on a spare this shelf's launch_fn made.
  using adopt_fn = std::function<std::unique_ptr<session>(std::unique_ptr<warm_browser>,
                                                          const session_options&, exit_callback)>;
  warm_shelf(launch_fn launch, adopt_fn adopt);
  ~warm_shelf() override;  // close()
  warm_shelf(const warm_shelf&) = delete;
  warm_shelf& operator=(const warm_shelf&) = delete;

  void on_events(up_callback on_up, down_callback on_down) override;
  void launch(std::uint64_t id) override;
  void close() override;
  std::vector<int> pids() const override;
  std::unique_ptr<session> adopt(std::uint64_t id, const session_options& options,
                                 exit_callback on_exit) override;

  // Spare `id`'s browser, no longer the shelf's (its death is then the
  // taker's news); nullptr when it is unknown, gone or closed.
  std::unique_ptr<warm_browser> take(std::uint64_t id);

 private:
  // Shared with the browsers' exit listeners (weakly), so that a late
  // report never touches a destroyed shelf.
  struct state;
  struct launcher {
    std::thread thread;
    std::shared_ptr<bool> done;  // guarded by state::mu
  };
  void run_launch(std::uint64_t id);

  const launch_fn launch_one_;
  const adopt_fn adopt_one_;
  std::shared_ptr<state> state_;
  std::vector<launcher> launchers_;  // guarded by state_->mu
};

}  // namespace camoufleet::browser
