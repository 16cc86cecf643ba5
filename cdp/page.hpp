#pragma once
// page_driver over CDP: one flattened target session on a browser
// connection. Everything site-specific comes from the site_profile; this
// file only knows how to drive "a page like that" through CDP.

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cdp/chat.hpp"
#include "cdp/connection.hpp"
#include "cdp/session.hpp"
#include "cdp/site_profile.hpp"
#include "cdp/storage_state.hpp"

namespace camoufleet::cdp {

struct page_setup {
  std::string instance_id;            // for log lines
  std::string site_url;               // the chat page
  std::optional<storage_state> auth;  // installed before the first navigation
};

class cdp_page : public page_driver {
 public:
  // conn must outlive this object; session_id is a flattened target session.
  cdp_page(std::shared_ptr<connection> conn, std::string session_id, site_profile site,
           page_setup setup);
  ~cdp_page() override;
  cdp_page(const cdp_page&) = delete;
  cdp_page& operator=(const cdp_page&) = delete;

  void open(std::chrono::milliseconds timeout) override;
  std::vector<model_info> models() override;
  std::string current_model() override;
  void switch_model(const std::string& id, std::chrono::milliseconds timeout) override;
  generation_result generate(const std::vector<chat_message>& messages,
                             const generation_params& params,
                             const std::function<void(const delta&)>& on_delta,
                             std::chrono::milliseconds timeout) override;
  // A stop requested while no generate() runs is dropped: every generate()
  // starts with the flag cleared.
  void request_stop() override;
  void new_chat(std::chrono::milliseconds timeout) override;
  bool ping(std::chrono::milliseconds timeout) override;
  std::string storage_state() override;

  // How the last generate() read the answer: true = the network stream,
  // false = the DOM fallback.
  bool last_generate_streamed() const { return last_streamed_; }
  const site_profile& site() const { return site_; }

  // What the page shows right now: the number of answer turns and the
  // newest one's text (for tests and diagnostics).
  struct shown_answer {
    int turns = 0;
    std::string text;
    std::string reasoning;
    bool finished = false;
  };
  shown_answer last_answer();

  // One event delivered to the blocking caller thread.
  struct event {
    std::string method;
    nlohmann::json params;
  };

 private:
  class event_queue;
  struct dom_snapshot;
  using clock = std::chrono::steady_clock;

  nlohmann::json call(const std::string& method, nlohmann::json params,
                      std::chrono::milliseconds timeout);
  // Runtime.evaluate with returnByValue; a thrown script is a site_error.
  nlohmann::json evaluate(const std::string& expression, std::chrono::milliseconds timeout,
                          bool await_promise = false);
  // Until a ready selector matches (in a document not marked by
  // mark_document() when fresh_only) or a login URL shows up (login_lost).
  void wait_ready(clock::time_point deadline, const std::string& what, bool fresh_only);
  void watch_model_list();
  void set_cookies(clock::time_point deadline);
  std::vector<model_info> cached_models() const;
  void mark_document();
  struct generation;
  void handle_event(generation& g, const event& ev);
  void cancel_generation(generation& g);
  dom_snapshot snapshot(std::size_t turns_before, std::chrono::milliseconds timeout);
  void apply_settings(const generation_params& params, clock::time_point deadline);
  void apply_reasoning_effort(const std::string& effort, clock::time_point deadline,
                              std::chrono::milliseconds step, const std::string& set_number);
  void add_stop_tokens(const std::vector<std::string>& stops, clock::time_point deadline);
  void submit_prompt(const std::string& prompt, clock::time_point deadline);
  void click_stop();
  void ensure_open() const;
  std::chrono::milliseconds left(clock::time_point deadline) const;

  std::shared_ptr<connection> conn_;
  std::string session_id_;
  site_profile site_;
  page_setup setup_;
  std::atomic<bool> stop_requested_{false};
  bool last_streamed_ = false;

  // Filled from the io thread when the page's own ListModels call finishes.
  struct model_cache;
  std::shared_ptr<model_cache> models_;
  subscription list_models_response_;
  subscription list_models_finished_;
};

// ---- pure helpers, public for their unit tests --------------------------

// Models out of a ListModels body: the first array of arrays whose entries
// start with "<prefix><id>". Throws driver_error(site_error) when none.
std::vector<model_info> parse_list_models(const std::string& body, const std::string& prefix);

// The id a model-name text stands for: a display name or an id of `known`,
// else the text itself without `prefix`.
std::string model_id_for(const std::string& shown, const std::vector<model_info>& known,
                         const std::string& prefix);

// Standard base64 (as CDP sends bodies); whitespace ignored; throws
// std::invalid_argument on anything else.
std::string base64_decode(const std::string& in);

// A JavaScript string literal for any text (JSON's escaping is valid JS).
std::string js_string(const std::string& s);

}  // namespace camoufleet::cdp
