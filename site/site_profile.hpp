#pragma once
// The driver's knowledge of the site, loaded from one data file
// (site/aistudio.json). When the site changes, that file changes; the
// code that drives the page does not.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/chat.hpp"

namespace camoufleet::site {

using core::chat_message;
using core::delta;
using core::driver_error;
using core::failure_kind;
using core::generation_params;
using core::generation_result;
using core::model_info;
using core::tool_mode;

// An ordered list of fallback selectors: the page scripts try them in
// order and the first that matches wins. An entry may also be
// `text="Heading" >> css`: css inside the nearest block around the element
// whose whole text is Heading (see scripts/prelude.js).
using selector_list = std::vector<std::string>;

// One member per key under "selectors" in the site file (site_selectors::groups()).
struct site_selectors {
  selector_list ready;  // any present = the chat page is usable
  selector_list prompt;
  selector_list run_button;
  selector_list stop_button;
  selector_list run_spinner;  // on Run while generating (no Stop button then)
  selector_list turn_root;    // one whole turn (user or model), with its buttons
  selector_list answer_turn;
  selector_list answer_text;
  selector_list answer_reasoning;
  selector_list turn_edit_button;
  selector_list model_name;
  selector_list temperature;
  selector_list top_p;
  selector_list advanced_settings_toggle;  // opens the collapsed section
  selector_list max_output_tokens;
  selector_list stop_token_input;
  selector_list stop_token_chip;
  selector_list stop_token_remove;
  selector_list thinking_toggle;
  selector_list manual_budget_toggle;
  selector_list thinking_budget;
  selector_list thinking_level;  // a select (Gemini 3) instead of a budget
  selector_list thinking_level_option;
  selector_list quota_callout;
  selector_list toasts;
  selector_list new_chat_button;
  selector_list dialog_buttons;
  selector_list temporary_chat_toggle;
  selector_list preference_vote_skip;

  struct group_entry {
    const char* key;  // "temperature" for "selectors.temperature"
    selector_list site_selectors::*list;
  };
  static const std::vector<group_entry>& groups();
  // The list of a group by key; std::out_of_range for an unknown key.
  const selector_list& group(const std::string& key) const;
};

// How the streamed GenerateContent body encodes an answer (the part and
// candidate layouts are in docs/aistudio-site.md).
struct wire_format {
  std::string model_role = "model";
  std::size_t thought_flag_index = 12;   // a part with 1 here is a thought
  std::size_t function_call_index = 10;  // a part with an array here is a function call
  std::map<int, std::string> finish_codes{{1, "stop"},           {2, "length"},
                                          {3, "content_filter"}, {4, "content_filter"},
                                          {7, "content_filter"}, {8, "content_filter"},
                                          {9, "content_filter"}};
  // gRPC codes of a `[code,"message"]` error pair -> failure kind name
  // ("rate_limited", "login_lost", ...); other codes are site errors.
  std::map<int, std::string> error_kinds{{8, "rate_limited"}, {16, "login_lost"}};
  int rate_limit_status = 429;
  std::string rate_limit_body = "RESOURCE_EXHAUSTED";
};

struct prompt_labels {
  std::string system = "System Instructions:";
  std::string user = "User:";
  std::string assistant = "Assistant:";
  std::string separator = "\n\n";
};

struct site_timeouts {
  std::chrono::milliseconds navigation{20000};
  std::chrono::milliseconds ready{20000};
  std::chrono::milliseconds models{10000};
  // How long generate() waits for the GenerateContent request before it
  // falls back to watching the DOM only.
  std::chrono::milliseconds stream_start{3000};
  std::chrono::milliseconds first_token{60000};
  std::chrono::milliseconds idle{60000};
  std::chrono::milliseconds stop{5000};
  std::chrono::milliseconds poll_interval{50};
  std::chrono::milliseconds settings{5000};
  // How long a request that failed before any response is held before it
  // counts as a site error: the page may be leaving for its sign-in page
  // (another call of the page met the lost login and cancelled this one).
  std::chrono::milliseconds failure_settle{2000};
};

// Function calling (FACTS section 5): the tool box, its switch and the
// declarations dialog. Defaults are the facts; the site file's optional
// "function_calling" section overrides them.
struct function_calling_selectors {
  std::string box = "[data-test-id=\"functionCallingTooltip\"]";  // absent: no function calling
  std::string toggle = "button[role=\"switch\"]";                 // inside the box
  std::string edit_button = "button.edit-function-declarations-button";
  std::string dialog = "mat-dialog-container";
  std::string tab = "[role=\"tab\"]";
  std::string code_tab_text = "Code Editor";
  std::string editor = "ms-text-editor textarea";
  std::string save_button = "button[aria-label=\"Save the current function declarations\"]";
  std::string close_button = "button[aria-label=\"Close\"]";
  // Switches that exclude function calling (FACTS section 5): turned off
  // before the declarations are set; absent = nothing to turn off.
  std::vector<std::string> grounding_toggle = {
      "div[data-test-id=\"searchAsAToolTooltip\"] mat-slide-toggle button",
      "button[role=\"switch\"][aria-label=\"Grounding with Google Search\"]"};
  std::vector<std::string> url_context_toggle = {
      "button[role=\"switch\"][aria-label=\"Browse the url context\"]"};
  // A function call as the answer turn shows it: its name and its arguments
  // as JSON (read when the answer is followed in the DOM).
  std::string call_chunk = "ms-function-call-chunk";
  std::string call_name = "mat-panel-title";
  std::string call_args = "ms-code-block pre code";
};

// Uploads (FACTS section 5); the optional "attachments" section overrides.
struct attachment_selectors {
  std::vector<std::string> add_button = {"button[data-test-id=\"add-media-button\"]",
                                         "button[aria-label^=\"Insert assets\"]"};
  std::string menu = "div.cdk-overlay-container div[role=\"menu\"]";
  std::string upload_item = "button[role=\"menuitem\"][aria-label=\"Upload a file\"]";
  std::string file_input = "input[type=\"file\"]";  // inside the upload item
  std::string backdrop = "div.cdk-overlay-container .cdk-overlay-backdrop";
  std::string consent_dialog = "mat-dialog-container";
  std::vector<std::string> consent_texts = {"Acknowledge", "I agree", "Agree", "Continue"};
};

struct site_profile {
  std::string source;  // the file it came from, for messages
  std::string chat_path;
  std::vector<std::string> login_url_patterns;
  site_selectors selectors;
  std::string discard_button_text;
  std::vector<std::string> quota_patterns;
  std::vector<std::string> rate_limit_patterns;
  std::string model_pref_key;
  std::string model_pref_field;
  std::string model_prefix;
  std::string list_models_pattern;
  std::string generate_content_pattern;
  wire_format wire;
  prompt_labels labels;
  std::map<std::string, int> reasoning_budgets;  // "low" | "medium" | "high" -> tokens
  // "low" | "medium" | "high" -> the option text of selectors.thinking_level.
  std::map<std::string, std::string> thinking_levels;
  site_timeouts timeouts;
  function_calling_selectors function_calling;
  attachment_selectors attachments;

  bool is_login_url(const std::string& url) const;
  // "exceeded quota" vs "rate limit" in a callout's or toast's text; "" if neither.
  std::string classify_error_text(const std::string& text) const;
  // The error for a selector group that matched nothing on the page, naming
  // its site-file key, so that a UI change is diagnosed from one log line:
  // `<what>: site file key "selectors.temperature": none of 3 selectors
  // matched (<source>)`.
  driver_error no_match(const std::string& what, const std::string& group) const;
};

// The file the build knows about (the source tree's site/aistudio.json).
std::string default_site_file();

// Throws driver_error(site_error) naming the file and the missing/bad key.
site_profile load_site_profile(const std::string& path);
site_profile parse_site_profile(const std::string& json_text, const std::string& source);
// The optional "function_calling" and "attachments" sections of a parsed
// site file (site/tool_selectors.cpp); keys left out keep their defaults.
void read_tool_selectors(const nlohmann::json& root, const std::string& source, site_profile& p);

}  // namespace camoufleet::site
