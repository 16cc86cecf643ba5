#pragma once
// A warm context kept ahead in a shared Chromium (context isolation with
// --spare-browsers): an empty browser context with a blank tab, its
// renderer already running, that the next context session to start in
// that browser takes instead of creating one. A profile whose context
// crashed is then back without waiting for a renderer to start. It holds no
// profile: cookies and storage are the taker's, set after the take.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace camoufleet::browser::cdp {

class connection;

struct blank_context {
  std::string context_id;  // Target.createBrowserContext
  std::string target_id;   // its about:blank tab
};

class context_reserve {
 public:
  context_reserve(std::shared_ptr<connection> conn, std::string browser_name);
  // Waits for a fill under way (its calls time out within 2 s each); drop
  // it before the connection's io thread.
  ~context_reserve();
  context_reserve(const context_reserve&) = delete;
  context_reserve& operator=(const context_reserve&) = delete;

  // Makes one warm context in the background unless one is ready or being
  // made. Never blocks, never throws.
  void fill();
  // The warm context when one is ready (and a new one is started);
  // nullopt otherwise: the caller creates its own.
  std::optional<blank_context> take();

 private:
  void make_one();  // on filler_

  std::shared_ptr<connection> conn_;
  const std::string name_;
  std::mutex mu_;
  std::optional<blank_context> ready_;  // guarded by mu_
  bool filling_ = false;                // guarded by mu_
  bool closing_ = false;                // guarded by mu_
  std::thread filler_;
};

}  // namespace camoufleet::browser::cdp
