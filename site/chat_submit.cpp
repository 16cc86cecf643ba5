// chat_page: from "request accepted" to "Run clicked". The common case (the
// page on the requested model, no declarations to change, no stop tokens,
// no thinking switch) is one page round trip: scripts/prepare_submit.js
// checks the model and the declarations, sets the numbers, reads the page
// as it was, fills the prompt and presses Run. The other cases take the
// step-by-step path (chat_generate.cpp).
#include <thread>

#include "site/chat_page.hpp"
#include "site/list_models.hpp"

namespace camoufleet::site {

using nlohmann::json;
using std::chrono::milliseconds;

bool chat_page::settings_in_one_trip(const generation_params& params) const {
  // Stop tokens are typed as keys; a thinking switch re-renders the panel.
  return params.stop.empty() && params.reasoning_effort.empty() && !stop_chips_added_;
}

bool chat_page::page_checkable(const generation_params& params) const {
  if (!settings_in_one_trip(params)) return false;
  // The search switch is set by prepare_page() (apply_search).
  if (params.web_search || search_on_) return false;
  if (!page_tools_wanted(params)) return tools_key_.empty();
  // Our key names the model: without one requested the page must be asked.
  return !params.model.empty() &&
         tools_key(params.function_declarations, params.model) == tools_key_;
}

bool chat_page::page_tools_wanted(const generation_params& params) {
  // "auto" that found no tool box leaves tools_key_ empty: the one-trip
  // check then fails and prepare_page() asks the page again.
  return !params.function_declarations.empty() && params.tool_mode != tool_mode::emulated;
}

bool chat_page::prepare_page(const generation_params& params, clock::time_point deadline) {
  if (!params.model.empty() && current_model() != params.model)
    switch_model(params.model, left(deadline));
  const bool emulate = apply_tools(params, deadline);
  apply_search(params, deadline);
  // A stop that came while the model menu or the tool dialog was busy.
  if (stop_requested_)
    throw driver_error(failure_kind::cancelled, "cancelled before the answer began");
  return emulate;
}

chat_page::one_trip chat_page::prepare_and_submit(const generation_params& params,
                                                  const std::string& prompt,
                                                  clock::time_point deadline, bool check_page) {
  one_trip out;
  if (!settings_in_one_trip(params)) return out;
  json model = nullptr;
  json tools_on = nullptr;
  if (check_page) {
    if (!params.model.empty())
      model = {{"model_name", site_.selectors.model_name},
               {"pref_key", site_.model_pref_key},
               {"pref_field", site_.model_pref_field},
               {"accept", texts_for_model(params.model, cached_models(), site_.model_prefix)}};
    if (page_tools_wanted(params)) tools_on = tools_toggle();
  }
  json r = run("prepare_submit",
               {{"model", model},
                {"tools_on", tools_on},
                {"fields", number_fields(params)},
                {"prompt", prompt},
                {"chip", site_.selectors.stop_token_chip},
                {"s", snapshot_selectors()}},
               std::min(left(deadline), site_.timeouts.settings));
  const std::string state = r.is_object() ? r.value("state", std::string()) : std::string();
  out.page_unprepared = state == "page";
  if (state == "numbers") check_numbers(params, r["numbers"]);  // throws the precise error
  if (state.empty() || state == "page" || state == "slow" || state == "numbers" ||
      !r.contains("before"))
    return out;
  out.clicked = state == "clicked";
  out.before = snapshot_from(r["before"]);
  if (r.contains("ms")) out.page_ms = r["ms"].dump();
  return out;
}

void chat_page::submit_prompt(const std::string& prompt, clock::time_point deadline) {
  const auto step = std::min(left(deadline), site_.timeouts.settings);
  const json args = {{"prompt", prompt}, {"s", snapshot_selectors()}};
  const auto until = clock::now() + step;
  std::string state;
  while (true) {
    json r = run("submit", args, step);
    state = r.is_string() ? r.get<std::string>() : r.dump();
    if (state == "clicked") return;
    if (clock::now() >= until) break;
    std::this_thread::sleep_for(site_.timeouts.poll_interval);
  }
  if (state == "missing") throw site_.no_match("the prompt", "prompt");
  if (state == "no run button") throw site_.no_match("the prompt", "run_button");
  throw driver_error(state == "busy" ? failure_kind::timeout : failure_kind::site_error,
                     "the Run button could not be pressed (" + state + ")");
}

}  // namespace camoufleet::site
