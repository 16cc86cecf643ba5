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
  if (!missing.empty())
    throw driver_error(failure_kind::site_error,
                       "settings: no control on the page for " + missing.dump());
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

// Click at most once, then wait for the switch to show the new state:
// clicking again while it re-renders would flip it back.
bool chat_page::set_toggle(const std::string& selector, bool want, clock::time_point deadline,
                           milliseconds step) {
  const auto until = clock::now() + std::min(left(deadline), milliseconds(2000));
  bool clicked = false;
  while (true) {
    json r = run("toggle", {{"selector", selector}, {"want", want}, {"may_click", !clicked}}, step);
    if (r == "set") return true;
    if (r == "clicked") clicked = true;
    if (clock::now() >= until) return false;
    if (r != "clicked") std::this_thread::sleep_for(site_.timeouts.poll_interval);
  }
}

void chat_page::apply_reasoning_effort(const std::string& effort, clock::time_point deadline,
                                       milliseconds step) {
  const auto& s = site_.selectors;
  if (effort.empty()) return;
  if (effort == "none") {
    // Models without thinking have no toggle: nothing to turn off.
    set_toggle(s.thinking_toggle, false, deadline, step);
    return;
  }
  auto budget = site_.reasoning_budgets.find(effort);
  if (budget == site_.reasoning_budgets.end())
    throw driver_error(failure_kind::site_error, "settings: unknown reasoning effort " + effort);
  if (!set_toggle(s.thinking_toggle, true, deadline, step)) {
    spdlog::info("instance={} model has no thinking toggle; reasoning_effort {} ignored",
                 setup_.instance_id, effort);
    return;
  }
  const bool manual = budget->second > 0;
  if (!set_toggle(s.manual_budget_toggle, manual, deadline, step)) {
    if (manual)
      throw driver_error(failure_kind::site_error,
                         "settings: the manual thinking budget switch did not turn on");
    return;
  }
  if (manual) {
    json r = run("set_numbers",
                 {{"fields", json::array({{"thinking_budget", s.thinking_budget, budget->second}})}},
                 step);
    if (r.is_object() && !r.value("missing", json::array()).empty())
      throw driver_error(failure_kind::site_error, "settings: no thinking budget input");
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
  // Stale chips from an earlier request would cut this answer: clear them.
  const auto until = clock::now() + step;
  while (true) {
    int n = chips(true);
    if (n <= 0) break;
    if (clock::now() >= until)
      throw driver_error(failure_kind::site_error, "settings: stop tokens could not be removed");
  }
  int expected = 0;
  for (const auto& stop : stops) {
    if (stop.empty()) continue;
    if (run("focus", {{"selector", s.stop_token_input}}, step) != true)
      throw driver_error(failure_kind::site_error, "settings: no stop token input on the page");
    // Real key events, as a user types: the chip is added on Enter.
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

void chat_page::submit_prompt(const std::string& prompt, clock::time_point deadline) {
  const auto& s = site_.selectors;
  const auto step = std::min(left(deadline), site_.timeouts.settings);
  const json args = {
      {"prompt", prompt},
      {"s", {{"prompt", s.prompt}, {"stop_button", s.stop_button}, {"run_button", s.run_button}}}};
  const auto until = clock::now() + step;
  std::string state;
  while (true) {
    json r = run("submit", args, step);
    state = r.is_string() ? r.get<std::string>() : r.dump();
    if (state == "clicked") return;
    if (clock::now() >= until) break;
    std::this_thread::sleep_for(site_.timeouts.poll_interval);
  }
  if (state == "missing") throw driver_error(failure_kind::site_error, "no prompt box on the page");
  throw driver_error(state == "busy" ? failure_kind::timeout : failure_kind::site_error,
                     "the Run button could not be pressed (" + state + ")");
}

void chat_page::click_stop() {
  run("click_stop", {{"stop_button", site_.selectors.stop_button}}, milliseconds(3000));
}

}  // namespace camoufleet::site
