// chat_page: the run settings, the prompt and the Run / Stop buttons.
#include <spdlog/spdlog.h>

#include <cmath>
#include <thread>

#include "site/chat_page.hpp"

namespace camoufleet::site {

using nlohmann::json;
using std::chrono::milliseconds;

void chat_page::apply_settings(const generation_params& params, clock::time_point deadline) {
  const auto step = std::min(left(deadline), site_.timeouts.settings);
  // Thinking first: switching it can re-render the settings panel and
  // reset the other controls; the numbers go last and are read back.
  apply_reasoning_effort(params.reasoning_effort, deadline, step);
  add_stop_tokens(params.stop, deadline);
  json fields = number_fields(params);
  if (fields.empty()) return;
  // Newer pages keep the output length in a collapsed section.
  if (params.max_output_tokens > 0) reveal({"max_output_tokens"}, deadline);
  check_numbers(params, run("set_numbers", {{"fields", fields}}, step));
}

json chat_page::number_fields(const generation_params& params) const {
  const auto& s = site_.selectors;
  json fields = json::array();
  if (params.temperature >= 0) fields.push_back({"temperature", s.temperature, params.temperature});
  if (params.top_p >= 0) fields.push_back({"top_p", s.top_p, params.top_p});
  if (params.max_output_tokens > 0)
    fields.push_back({"max_output_tokens", s.max_output_tokens, params.max_output_tokens});
  return fields;
}

void chat_page::check_numbers(const generation_params& params, const json& r) const {
  const json missing = r.is_object() ? r.value("missing", json::array()) : json::array();
  if (!missing.empty()) throw site_.no_match("settings", missing.front().get<std::string>());
  // A control that clamps or ignores the value must not pass silently.
  auto check = [&](const char* name, double want) {
    const json shown = r.is_object() ? r["shown"].value(name, json()) : json();
    double got = -1;
    try {
      got = shown.is_string() ? std::stod(shown.get<std::string>()) : -1;
    } catch (const std::exception&) {
    }
    if (std::abs(got - want) > 1e-6)
      throw driver_error(failure_kind::site_error, std::string("settings: ") + name + " shows " +
                                                       shown.dump() + " after setting " +
                                                       json(want).dump());
  };
  if (params.temperature >= 0) check("temperature", params.temperature);
  if (params.top_p >= 0) check("top_p", params.top_p);
  if (params.max_output_tokens > 0) check("max_output_tokens", params.max_output_tokens);
}

std::string chat_page::settle(const std::string& name, json args, clock::time_point deadline,
                              milliseconds step) {
  // A click the page lost (its handlers not wired yet) is repeated after a
  // second without change; a control re-renders much faster than that.
  const auto until = clock::now() + std::min(left(deadline), milliseconds(3000));
  auto click_again_at = clock::now();
  while (true) {
    args["may_click"] = clock::now() >= click_again_at;
    json r = run(name, args, step);
    const std::string state = r.is_string() ? r.get<std::string>() : r.dump();
    if (state == "set" || state == "absent") return state;
    if (state == "clicked") click_again_at = clock::now() + milliseconds(1000);
    if (clock::now() >= until) return state;
    if (state != "clicked") std::this_thread::sleep_for(site_.timeouts.poll_interval);
  }
}

std::string chat_page::settle_toggle(const selector_list& selector, bool want,
                                     clock::time_point deadline, milliseconds step) {
  return settle("toggle", {{"selector", selector}, {"want", want}, {"wait_ms", 300}}, deadline,
                step);
}

bool chat_page::set_toggle(const selector_list& selector, bool want, clock::time_point deadline,
                           milliseconds step) {
  return settle_toggle(selector, want, deadline, step) == "set";
}

bool chat_page::reveal(const std::vector<std::string>& groups, clock::time_point deadline) {
  json targets = json::array();
  for (const auto& g : groups) targets.push_back(site_.selectors.group(g));
  const auto step = std::min(left(deadline), site_.timeouts.settings);
  return settle("reveal",
                {{"targets", targets}, {"toggle", site_.selectors.advanced_settings_toggle}},
                deadline, step) == "set";
}

void chat_page::keep_temporary_chat(clock::time_point deadline) {
  const auto step = std::min(left(deadline), site_.timeouts.settings);
  const auto state = settle_toggle(site_.selectors.temporary_chat_toggle, true, deadline, step);
  if (state != "set" && state != "absent")
    spdlog::warn("instance={} Temporary chat did not turn on ({})", setup_.instance_id, state);
}

bool chat_page::choose_thinking_level(const std::string& effort, clock::time_point deadline,
                                      milliseconds step) {
  const auto& s = site_.selectors;
  auto level = site_.thinking_levels.find(effort);
  json args = {{"select", s.thinking_level},
               {"option", s.thinking_level_option},
               {"text", level == site_.thinking_levels.end() ? "" : level->second}};
  if (level == site_.thinking_levels.end()) {
    // "none": a level select cannot turn thinking off.
    args["may_click"] = false;
    if (run("choose_option", args, step) == "absent") return false;
    spdlog::info("instance={} the model always thinks; reasoning_effort none ignored",
                 setup_.instance_id);
    return true;
  }
  const auto state = settle("choose_option", args, deadline, step);
  if (state == "absent") return false;
  if (state != "set")
    throw driver_error(failure_kind::site_error,
                       "settings: thinking level " + level->second + " could not be chosen (" +
                           state + ")");
  return true;
}

void chat_page::apply_reasoning_effort(const std::string& effort, clock::time_point deadline,
                                       milliseconds step) {
  const auto& s = site_.selectors;
  if (effort.empty()) return;
  if (effort != "none" && site_.reasoning_budgets.count(effort) == 0)
    throw driver_error(failure_kind::site_error, "settings: unknown reasoning effort " + effort);
  // Gemini 3: a level instead of a switch and a budget.
  if (choose_thinking_level(effort, deadline, step)) return;
  if (effort == "none") {
    // Models without thinking have no toggle: nothing to turn off.
    set_toggle(s.thinking_toggle, false, deadline, step);
    return;
  }
  const int budget = site_.reasoning_budgets.at(effort);
  if (!set_toggle(s.thinking_toggle, true, deadline, step)) {
    spdlog::info("instance={} model has no thinking toggle; reasoning_effort {} ignored",
                 setup_.instance_id, effort);
    return;
  }
  const bool manual = budget > 0;
  // Some pages take the budget with no switch of its own.
  if (!set_toggle(s.manual_budget_toggle, manual, deadline, step) && !manual) return;
  if (manual) {
    json r = run("set_numbers",
                 {{"fields", json::array({{"thinking_budget", s.thinking_budget, budget}})}},
                 step);
    if (r.is_object() && !r.value("missing", json::array()).empty())
      throw site_.no_match("settings: the manual thinking budget", "thinking_budget");
  }
}

void chat_page::add_stop_tokens(const std::vector<std::string>& stops,
                                clock::time_point deadline) {
  const auto& s = site_.selectors;
  const auto step = std::min(left(deadline), site_.timeouts.settings);
  auto chips = [&](bool remove) {
    json n = run("stop_chips",
                 {{"chip", s.stop_token_chip}, {"remove_button", s.stop_token_remove},
                  {"remove", remove}},
                 step);
    return n.is_number() ? n.get<int>() : -1;
  };
  // Stale chips from an earlier request would cut this answer: clear them
  // (open the section that may hide them first).
  if (!stops.empty() || stop_chips_added_) reveal({"stop_token_input"}, deadline);
  const auto until = clock::now() + step;
  while (true) {
    int n = chips(true);
    if (n <= 0) break;
    if (clock::now() >= until)
      throw driver_error(failure_kind::site_error, "settings: stop tokens could not be removed");
  }
  stop_chips_added_ = false;
  int expected = 0;
  for (const auto& stop : stops) {
    if (stop.empty()) continue;
    if (run("focus", {{"selector", s.stop_token_input}}, step) != true)
      throw site_.no_match("settings: stop sequences", "stop_token_input");
    stop_chips_added_ = true;
    // Real key events, as a user types: the chip is added on Enter.
    trips_ += 2;
    transport_.insert_text(stop, step);
    transport_.press_enter(step);
    ++expected;
    const auto chip_until = clock::now() + step;
    while (true) {
      if (chips(false) >= expected) break;
      if (clock::now() >= chip_until)
        throw driver_error(
            failure_kind::site_error,
            "settings: stop token #" + std::to_string(expected) + " was not accepted");
      std::this_thread::sleep_for(site_.timeouts.poll_interval);
    }
  }
}

void chat_page::click_stop() {
  run("click_stop", {{"s", snapshot_selectors()}}, milliseconds(3000));
}

}  // namespace camoufleet::site
