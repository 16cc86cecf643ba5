#pragma once
// The chat page of one tab, as actors/ drives it. No protocol and no site
// here: site/ implements it once over a page transport, browser/ hands it out
// through browser::session.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/chat.hpp"

namespace camoufleet::core {

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
  // Load the chat page afresh: a new document, the session's cookies and
  // storage kept. A long-lived page keeps native memory that only a new
  // document gives back (bench P7); called between requests.
  virtual void reload(std::chrono::milliseconds timeout) = 0;
  // Cheap round trip to the page; false when it did not answer in time.
  virtual bool ping(std::chrono::milliseconds timeout) = 0;
  // Current cookies + localStorage as a Playwright storageState JSON string.
  virtual std::string storage_state() = 0;
  // The tab as PNG bytes. Unlike the calls above it may run on another
  // thread while one of them (a generate()) is running: a picture of a stuck
  // page is what it is for.
  virtual std::string screenshot_png(std::chrono::milliseconds timeout) = 0;
};

}  // namespace camoufleet::core
