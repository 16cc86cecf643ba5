#pragma once
// The AI Studio chat page, written once against a page_transport: open
// (seed the auth profile, navigate, wait until usable), models, switch
// model, apply settings, submit, follow the answer, detect errors and login
// loss, stop, new chat. Everything site-specific comes from the site_profile
// and the scripts under site/scripts/; everything protocol-specific from the
// transport.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "browser/storage_state.hpp"
#include "core/chat.hpp"
#include "core/page_driver.hpp"
#include "site/answer_source.hpp"
#include "site/generation.hpp"
#include "site/page_transport.hpp"
#include "site/site_profile.hpp"

namespace camoufleet::site {

struct page_setup {
  std::string instance_id;                     // for log lines
  std::string site_url;                        // the chat page
  std::optional<browser::storage_state> auth;  // installed before the first navigation
  bool page_hook = false;  // the answer from scripts/answer_hook.js, not the network
};

class chat_page : public core::page_driver {
 public:
  // transport must outlive this object.
  chat_page(page_transport& transport, site_profile site, page_setup setup);
  ~chat_page() override;
  chat_page(const chat_page&) = delete;
  chat_page& operator=(const chat_page&) = delete;

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
  void reload(std::chrono::milliseconds timeout) override;
  bool ping(std::chrono::milliseconds timeout) override;
  std::string storage_state() override;
  std::string screenshot_png(std::chrono::milliseconds timeout) override;

  // How the last generate() read the answer: true = the network stream,
  // false = the DOM fallback.
  bool last_generate_streamed() const { return last_streamed_; }
  const site_profile& site() const { return site_; }
  // "network" or "hook": where generate() reads the answer's bytes.
  const char* answer_source_name() const { return source_->name(); }
  // Page round trips (scripts, key input, navigations, file uploads) the
  // last generate() made from its start up to the Run click: 1 in the
  // common case (scripts/prepare_submit.js does it all).
  int last_submit_trips() const { return submit_trips_; }

  // What the page shows right now: the number of answer turns and the
  // newest one's text (for tests and diagnostics).
  struct shown_answer {
    int turns = 0;
    std::string text;
    std::string reasoning;
    bool finished = false;
  };
  shown_answer last_answer();

 private:
  using clock = std::chrono::steady_clock;
  class event_queue;
  struct model_cache;

  // One page script (site/scripts/<name>.js) with its JSON argument.
  nlohmann::json run(const std::string& name, const nlohmann::json& args,
                     std::chrono::milliseconds timeout);
  // Until a ready selector matches (in a document not marked by
  // mark_document() when fresh_only) or a login URL shows up (login_lost).
  void wait_ready(clock::time_point deadline, const std::string& what, bool fresh_only);
  void watch_model_list();
  void seed_cookies(clock::time_point deadline);
  std::vector<model_info> cached_models() const;
  dom_snapshot snapshot(std::size_t turns_before, std::chrono::milliseconds timeout);
  static dom_snapshot snapshot_from(const nlohmann::json& r);
  // site/chat_submit.cpp: from "request accepted" to "Run clicked".
  // What scripts/prepare_submit.js did in its one round trip.
  struct one_trip {
    std::optional<dom_snapshot> before;  // the page as it was; nullopt: the slow path
    bool clicked = false;                // Run was pressed
    bool page_unprepared = false;        // the model or the declarations need prepare_page()
    std::string page_ms;                 // where the time went in the page (JSON, for the log)
  };
  // Model and declarations checks (when check_page), settings, the page as
  // it was, the prompt and Run in one round trip when nothing needs a wait
  // in between.
  one_trip prepare_and_submit(const generation_params& params, const std::string& prompt,
                              clock::time_point deadline, bool check_page);
  // No stop tokens and no thinking switch: the settings fit in the one trip.
  bool settings_in_one_trip(const generation_params& params) const;
  // Whether prepare_submit.js can confirm the model and the declarations
  // itself (nothing to switch off, declarations we set for this model;
  // emulated tools count as none on the page).
  bool page_checkable(const generation_params& params) const;
  // The slow steps before the settings: switch the model, set the
  // declarations (or, for emulated tools, turn ours off); cancelled when a
  // stop was requested meanwhile. Says whether the tools are emulated.
  bool prepare_page(const generation_params& params, clock::time_point deadline);
  // Whether prepare_submit.js is to find our declarations on.
  static bool page_tools_wanted(const generation_params& params);
  std::string tools_key(const std::string& declarations, const std::string& model) const;
  selector_list tools_toggle() const;  // the function-calling switch
  nlohmann::json number_fields(const generation_params& params) const;
  void check_numbers(const generation_params& params, const nlohmann::json& r) const;
  nlohmann::json snapshot_selectors() const;
  void apply_settings(const generation_params& params, clock::time_point deadline);
  void apply_reasoning_effort(const std::string& effort, clock::time_point deadline,
                              std::chrono::milliseconds step);
  // Runs a one-step control script (toggle, reveal, choose_option) until it
  // reports "set" or "absent": after a click it only reports for a while,
  // so a control still re-rendering is not clicked back. The last state.
  std::string settle(const std::string& name, nlohmann::json args, clock::time_point deadline,
                     std::chrono::milliseconds step);
  // A switch (toggle.js) settled to `want`: its last state ("set", "absent",
  // ...); set_toggle() says whether it is set.
  std::string settle_toggle(const selector_list& selector, bool want, clock::time_point deadline,
                            std::chrono::milliseconds step);
  bool set_toggle(const selector_list& selector, bool want, clock::time_point deadline,
                  std::chrono::milliseconds step);
  // Opens the collapsed section holding these selector groups when they are
  // not on the page; false when they stay absent.
  bool reveal(const std::vector<std::string>& groups, clock::time_point deadline);
  // Gemini 3's thinking level; false when the page has no level select.
  bool choose_thinking_level(const std::string& effort, clock::time_point deadline,
                             std::chrono::milliseconds step);
  // Temporary chat on (where the page has it): chats are not saved and the
  // URL stays on the new-chat page.
  void keep_temporary_chat(clock::time_point deadline);
  // Loads the chat page afresh and waits for the new document.
  void load_chat_page(clock::time_point deadline, const std::string& what);
  void add_stop_tokens(const std::vector<std::string>& stops, clock::time_point deadline);
  void submit_prompt(const std::string& prompt, clock::time_point deadline);
  void click_stop();
  void cancel_generation(event_queue& queue, const generation& g);
  void after_failure(const driver_error& e);
  void wait_shown_finished(std::size_t turns_before, clock::time_point deadline);
  // params.ask_again: an answer that is not what its request demands
  // (site/reply_check.hpp), asked for once more in a new chat
  // (site/chat_generate.cpp); the first answer when the second try fails.
  generation_result ask_again(const std::vector<chat_message>& messages,
                              const generation_params& params, generation_result first,
                              const std::string& problem,
                              const std::function<void(const delta&)>& on_delta,
                              clock::time_point deadline);
  void ensure_open() const;
  // site/chat_tools.cpp: the page's function declarations (set only when
  // they or the model changed; turned off for a request without tools) and
  // files attached through the upload menu after the prompt is filled.
  // apply_tools() says whether the tools are to be emulated in the prompt
  // instead (tool_mode::emulated, or automatic on a page without the tool box).
  bool apply_tools(const generation_params& params, clock::time_point deadline);
  void wait_model_shown(clock::time_point deadline);
  // The page's model as shown ({shown, pref}: its name on the page, and
  // the one the stored preference names); current_model() maps it to an id.
  nlohmann::json model_shown(std::chrono::milliseconds timeout);
  // Grounding and URL context off, then the function-calling switch on.
  bool function_calling_on(clock::time_point deadline, std::chrono::milliseconds step);
  // Google Search grounding on for a request that asks for web search; off
  // again for the next one that does not, when it was turned on for one.
  void apply_search(const generation_params& params, clock::time_point deadline);
  void attach_files(const std::vector<std::string>& paths, const std::string& prompt,
                    clock::time_point deadline);
  nlohmann::json step_until(const std::string& name, const nlohmann::json& args,
                            const std::vector<std::string>& done, clock::time_point deadline,
                            std::chrono::milliseconds within, const std::string& what);
  std::chrono::milliseconds left(clock::time_point deadline) const;

  page_transport& transport_;
  site_profile site_;
  page_setup setup_;
  std::unique_ptr<answer_source> source_;
  std::atomic<bool> stop_requested_{false};
  bool last_streamed_ = false;
  // Stop tokens were added and not seen removed since: newer pages hide
  // the chips in a collapsed section, where stale ones still apply.
  bool stop_chips_added_ = false;
  // Hash of the declarations + model the page holds; "" = none set by us.
  std::string tools_key_;
  // Google Search grounding was turned on by us for a request (and must go
  // off for the next one that does not ask for it).
  bool search_on_ = false;
  // Page round trips so far, and those of the last generate() up to the Run click.
  int trips_ = 0;
  int submit_trips_ = 0;

  // Filled from a transport thread when the page's own ListModels call finishes.
  std::shared_ptr<model_cache> models_;
  std::unique_ptr<page_watch> list_models_watch_;
};

}  // namespace camoufleet::site
