#pragma once
// Every duration the fleet waits for, in one plain struct with production
// defaults, so tests can shrink them instead of waiting on wall time.

#include <chrono>
#include <cstdint>

namespace camoufleet {

inline std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct fleet_timing {
  std::chrono::milliseconds monitor_interval{30000};
  std::chrono::milliseconds request_timeout{300000};   // one generation, end to end
  std::chrono::milliseconds queue_timeout{120000};     // longest wait for a free instance
  std::chrono::milliseconds rate_limit_cooldown{300000};
  std::chrono::milliseconds quota_cooldown{4 * 3600 * 1000};
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{60000};
  std::chrono::milliseconds ping_timeout{5000};
  std::chrono::milliseconds page_timeout{30000};        // open, switch_model, new_chat
  // A whole browser start (spawn, DevTools, connect, page, models); one past
  // it is abandoned and retried with backoff, like a crash.
  std::chrono::milliseconds start_timeout{120000};
  std::chrono::milliseconds close_grace{5000};
  std::chrono::milliseconds ask_timeout{5000};          // actor-to-actor queries
  std::chrono::milliseconds screenshot_timeout{5000};   // one picture of a page
  // How often an idle instance writes its refreshed session back to its
  // profile file (0 = never; it still writes on a clean shutdown).
  std::chrono::milliseconds refresh_interval{600000};
  // How often the auth dir is listed for added, removed and changed files.
  std::chrono::milliseconds auth_poll_interval{2000};
  // Consecutive site errors (not crashes) after which the page is restarted.
  int site_error_restart_threshold = 3;
  // Answers a chat page serves before it is loaded afresh between requests
  // (--page-recycle-after; 0 = never): a long-lived page keeps native memory
  // only a new document gives back (bench P7).
  int page_recycle_after = 500;
};

}  // namespace camoufleet
