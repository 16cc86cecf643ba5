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

struct site_selectors {
  std::vector<std::string> ready;
  std::vector<std::string> prompt;
  std::vector<std::string> run_button;
  std::vector<std::string> stop_button;
  std::string turn_root;  // one whole turn (user or model), with its buttons
  std::string answer_turn;
  std::string answer_text;
  std::string answer_reasoning;
  std::string turn_edit_button;
  std::string model_name;
  std::string temperature;
  std::string top_p;
  std::string max_output_tokens;
  std::string stop_token_input;
  std::string stop_token_chip;
  std::string stop_token_remove;
  std::string thinking_toggle;
  std::string manual_budget_toggle;
  std::string thinking_budget;
  std::string quota_callout;
  std::vector<std::string> toasts;
  std::string new_chat_button;
  std::string dialog_buttons;
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
  site_timeouts timeouts;
  function_calling_selectors function_calling;
  attachment_selectors attachments;

  bool is_login_url(const std::string& url) const;
  // "exceeded quota" vs "rate limit" in a callout's or toast's text; "" if neither.
  std::string classify_error_text(const std::string& text) const;
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
