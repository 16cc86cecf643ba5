#pragma once
// The Chromium session of context isolation (--isolation context): a
// profile in its own isolated browser context (own cookies, storage, tab)
// of a shared_chromium that up to accounts_per_browser profiles share.
// make_context_session_factory() itself is declared in browser/session.hpp.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "browser/session.hpp"
#include "browser/shared_browser.hpp"
#include "browser/cdp/connection.hpp"

namespace camoufleet::site {
class chat_page;
}

namespace camoufleet::browser::cdp {

class cdp_transport;
class exit_latch;
class shared_chromium;

// Which shared Chromium each new context session joins.
using chromium_pool = context_pool<shared_chromium>;
// A pool of Chromium browsers ("browser_1", ...) of per_browser profiles each.
std::shared_ptr<chromium_pool> make_chromium_pool(int per_browser);

class context_session : public session {
 public:
  context_session(std::shared_ptr<chromium_pool> pool, const session_options& options,
                  exit_callback on_exit);
  ~context_session() override;
  context_session(const context_session&) = delete;
  context_session& operator=(const context_session&) = delete;

  session_info info() const override { return info_; }
  page_driver& page() override;
  // Disposes of this profile's context (its tab with it); the browser
  // closes only when this was its last profile.
  void close(std::chrono::milliseconds grace) override;
  heap_collection collect_garbage(std::chrono::milliseconds timeout) override;

 private:
  void start(std::shared_ptr<chromium_pool> pool);
  void teardown(std::chrono::milliseconds grace);
  // A browser-level command; a timeout marks the shared browser broken.
  nlohmann::json browser_call(const std::string& method, nlohmann::json params,
                              std::chrono::steady_clock::time_point deadline);

  session_options options_;
  std::shared_ptr<exit_latch> latch_;
  std::shared_ptr<shared_chromium> browser_;
  int listener_id_ = 0;
  std::shared_ptr<connection> conn_;
  std::string context_id_;
  std::unique_ptr<cdp_transport> transport_;
  std::unique_ptr<site::chat_page> page_;
  session_info info_;
  std::atomic<bool> closed_{false};
};

}  // namespace camoufleet::browser::cdp
