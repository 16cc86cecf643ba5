#pragma once
// The interface actors/ drives: one started browser with its chat tab.
// Implementations: chromium over CDP (cdp/chromium_session.*); a WebDriver
// BiDi one for Camoufox/Firefox can sit beside it behind the same interface.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cdp/chat.hpp"

namespace camoufleet::cdp {

// Drives the chat page of one tab. Every call but request_stop() blocks the
// calling thread (the instance's own worker thread, never a scheduler or
// reactor thread) and has a deadline; failures throw driver_error.
class page_driver {
 public:
  virtual ~page_driver() = default;

  // Navigate to the site and wait until the prompt box is there.
  virtual void open(std::chrono::milliseconds timeout) = 0;
  // The models the site offers (read from its ListModels response).
  virtual std::vector<model_info> models() = 0;
  virtual std::string current_model() = 0;
  virtual void switch_model(const std::string& id, std::chrono::milliseconds timeout) = 0;
  // Apply settings, flatten the conversation into one prompt, press Run, and
  // stream the answer: on_delta is called (on this thread) for every piece of
  // text or reasoning as it arrives. Returns when the answer is complete.
  virtual generation_result generate(const std::vector<chat_message>& messages,
                                     const generation_params& params,
                                     const std::function<void(const delta&)>& on_delta,
                                     std::chrono::milliseconds timeout) = 0;
  // Thread-safe and non-blocking: makes a running generate() stop the
  // generation in the page and throw driver_error(cancelled) soon after.
  virtual void request_stop() = 0;
  // Start a fresh chat (New chat, then Discard and continue).
  virtual void new_chat(std::chrono::milliseconds timeout) = 0;
  // Cheap round trip to the page; false when it did not answer in time.
  virtual bool ping(std::chrono::milliseconds timeout) = 0;
  // Current cookies + localStorage as a Playwright storageState JSON string.
  virtual std::string storage_state() = 0;
};

enum class display_mode { headless, visible, virtual_display };

struct session_options {
  std::string instance_id;     // for log lines: "instance_1"
  std::string browser_path = "chromium";
  display_mode display = display_mode::headless;
  std::string x_display;       // ":99" for virtual_display
  int base_port = 9222;        // first DevTools port tried
  std::string profile_root;    // parent of the private user-data dirs ("" = system temp)
  std::string ws_endpoint;     // non-empty: attach to this browser, launch nothing
  std::string auth_file;       // Playwright storageState JSON ("" = none)
  std::string site_url;        // the chat page
  std::string site_file;       // the driver's site knowledge (JSON)
  std::chrono::milliseconds start_timeout{30000};
};

struct session_info {
  int pid = 0;       // 0 when attached
  int port = 0;      // DevTools port
  std::string ws_endpoint;
};

class session {
 public:
  virtual ~session() = default;
  virtual session_info info() const = 0;
  virtual page_driver& page() = 0;
  // Browser.close, then SIGTERM/SIGKILL after the grace; removes the profile dir.
  virtual void close(std::chrono::milliseconds grace) = 0;
};

// Called once, from a cdp thread, when the browser exits or its socket breaks
// (never after close() returned). Must not block.
using exit_callback = std::function<void(const std::string& reason)>;

// Launch (or attach), connect, load the auth profile, open the site. Blocks up
// to options.start_timeout; throws driver_error.
using session_factory =
    std::function<std::unique_ptr<session>(const session_options&, exit_callback)>;

std::unique_ptr<session> start_chromium_session(const session_options& options,
                                                exit_callback on_exit);

}  // namespace camoufleet::cdp
