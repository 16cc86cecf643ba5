// chat_page: function declarations through the page's function-calling
// dialog, and files through its upload menu (FACTS section 5).
#include <spdlog/spdlog.h>

#include <functional>
#include <thread>

#include "core/text.hpp"
#include "site/chat_page.hpp"
#include "site/page_scripts.hpp"

namespace camoufleet::site {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

json function_calling_args(const function_calling_selectors& s) {
  return {{"box", s.box},         {"toggle", s.toggle},
          {"edit_button", s.edit_button}, {"dialog", s.dialog},
          {"tab", s.tab},         {"code_tab_text", s.code_tab_text},
          {"editor", s.editor},   {"save_button", s.save_button},
          {"close_button", s.close_button}};
}

json attachment_args(const attachment_selectors& s) {
  return {{"add_button", s.add_button},   {"menu", s.menu},
          {"upload_item", s.upload_item}, {"file_input", s.file_input},
          {"backdrop", s.backdrop},       {"consent_dialog", s.consent_dialog},
          {"consent_texts", s.consent_texts}};
}

}  // namespace

// Repeats one page-script step until it answers one of `done`, or throws
// site_error with the last answer when `within` has passed.
json chat_page::step_until(const std::string& name, const json& args,
                           const std::vector<std::string>& done, clock::time_point deadline,
                           milliseconds within, const std::string& what) {
  const auto until = std::min(deadline, clock::now() + within);
  json r;
  while (true) {
    r = run(name, args, std::min(left(deadline), milliseconds(3000)));
    for (const auto& d : done)
      if (r == d) return r;
    if (clock::now() >= until)
      throw driver_error(failure_kind::site_error, what + " (the page answered " + r.dump() + ")");
    std::this_thread::sleep_for(site_.timeouts.poll_interval);
  }
}

selector_list chat_page::tools_toggle() const {
  // The switch inside the tool box (a one-entry group: toggle.js takes lists).
  const auto& fc = site_.function_calling;
  return {fc.box + " " + fc.toggle};
}

std::string chat_page::tools_key(const std::string& declarations,
                                 const std::string& model) const {
  return std::to_string(std::hash<std::string>{}(declarations + "\n" + model));
}

// Grounding and URL context exclude function calling: while one is on, the
// page keeps the function-calling switch disabled. They are turned off
// right before the switch goes on, and once more when the switch did not
// follow: a page still settling the model it just loaded may turn them on
// again meanwhile (the simulator does when its model list arrives, which
// can be after the driver saw the model in the stored preference).
bool chat_page::function_calling_on(clock::time_point deadline, milliseconds step) {
  const auto& fc = site_.function_calling;
  for (int round = 0; round < 2; ++round) {
    for (const auto& [what, sel] : {std::pair<const char*, const selector_list*>{
                                        "Google Search grounding", &fc.grounding_toggle},
                                    {"URL context", &fc.url_context_toggle}}) {
      const std::string st = settle_toggle(*sel, false, deadline, step);
      if (st != "set" && st != "absent")
        throw driver_error(failure_kind::site_error,
                           std::string(what) + " did not turn off (it excludes function calling)");
    }
    if (set_toggle(tools_toggle(), true, deadline, step)) return true;
  }
  return false;
}

void chat_page::apply_search(const generation_params& params, clock::time_point deadline) {
  if (!params.web_search && !search_on_) return;  // the page's own setting stays
  // Until the page shows its model its run settings are the defaults, and
  // the model's own come over them when it does (after a model switch the
  // list arrives late): a switch set before that would be set back.
  wait_model_shown(deadline);
  const auto step = std::min(left(deadline), site_.timeouts.settings);
  const std::string st =
      settle_toggle(site_.function_calling.grounding_toggle, params.web_search, deadline, step);
  if (st == "absent" && params.web_search)
    throw driver_error(failure_kind::site_error,
                       "this model has no Google Search grounding on the page (web search)");
  if (st != "set" && st != "absent")
    throw driver_error(failure_kind::site_error,
                       std::string("Google Search grounding did not turn ") +
                           (params.web_search ? "on" : "off") + " (the page answered " + st + ")");
  search_on_ = params.web_search;
  spdlog::info("instance={} Google Search grounding {}", setup_.instance_id,
               params.web_search ? "on for this request" : "off again");
}

// Until the page shows its model (the list arrives after the page is
// usable), the run settings are the defaults, tool box included: whether
// the model has function calling is read only after that. A page that never
// shows one is probed anyway; the tool box then has the last word.
void chat_page::wait_model_shown(clock::time_point deadline) {
  const auto until = std::min(deadline, clock::now() + site_.timeouts.models);
  while (true) {
    json r = model_shown(std::min(left(deadline), milliseconds(3000)));
    if (!core::trim(r.value("shown", std::string())).empty() || clock::now() >= until) return;
    std::this_thread::sleep_for(site_.timeouts.poll_interval);
  }
}

bool chat_page::apply_tools(const generation_params& params, clock::time_point deadline) {
  const auto& fc = site_.function_calling;
  const selector_list toggle = tools_toggle();
  const auto step = std::min(left(deadline), site_.timeouts.settings);
  const bool have_tools = !params.function_declarations.empty();
  bool emulate = have_tools && params.tool_mode == tool_mode::emulated;
  const bool automatic = have_tools && params.tool_mode == tool_mode::automatic;
  if (automatic) {  // what the page offers for the model it shows
    wait_model_shown(deadline);
    emulate = run("function_declarations",
                  {{"s", function_calling_args(fc)}, {"action", "probe"}, {"text", ""}},
                  step) == "absent";
  }
  if (!have_tools || emulate) {
    // Declarations left on would let the model call functions nobody asked for.
    if (!tools_key_.empty()) set_toggle(toggle, false, deadline, step);
    tools_key_.clear();
    return emulate;
  }
  const std::string key = tools_key(params.function_declarations, current_model());
  if (key == tools_key_ && run("toggle", {{"selector", toggle}, {"want", true}, {"may_click", false}},
                               step) == "set")
    return false;
  tools_key_.clear();
  json args = {{"s", function_calling_args(fc)}, {"action", "open"}, {"text", ""}};
  // The run settings re-render while the page settles (a model list
  // arriving, a new chat): a tool box missing for a moment is looked for
  // again for up to a second before the model is said to have none.
  const auto absent_until = clock::now() + std::min(step, milliseconds(1000));
  while (run("function_declarations", args, step) == "absent") {
    if (clock::now() >= absent_until && automatic) {
      spdlog::info("instance={} the tool box went away: the model has no function calling here",
                   setup_.instance_id);
      return true;
    }
    if (clock::now() >= absent_until)
      throw driver_error(failure_kind::site_error,
                         "this model has no function calling on the page (no tool box)");
    std::this_thread::sleep_for(site_.timeouts.poll_interval);
  }
  if (!function_calling_on(deadline, step))
    throw driver_error(failure_kind::site_error, "the function calling switch did not turn on");
  step_until("function_declarations", args, {"open", "clicked"}, deadline, step,
             "function declarations: the dialog could not be opened");
  args["action"] = "fill";
  args["text"] = params.function_declarations;
  step_until("function_declarations", args, {"filled"}, deadline, step,
             "function declarations: the code editor could not be filled");
  args["action"] = "save";
  step_until("function_declarations", args, {"clicked"}, deadline, step,
             "function declarations: no save button");
  args["action"] = "state";
  const auto until = std::min(deadline, clock::now() + milliseconds(3000));
  while (true) {
    json st = run("function_declarations", args, step);
    if (st.is_object() && !st.value("open", true)) break;
    if (clock::now() >= until) {
      args["action"] = "close";
      run("function_declarations", args, step);
      throw driver_error(failure_kind::site_error,
                         "the page refused the function declarations: " +
                             (st.is_object() ? st.value("text", std::string()) : st.dump()));
    }
    std::this_thread::sleep_for(site_.timeouts.poll_interval);
  }
  tools_key_ = key;
  spdlog::info("instance={} function declarations set", setup_.instance_id);
  return false;
}

void chat_page::attach_files(const std::vector<std::string>& paths, const std::string& prompt,
                             clock::time_point deadline) {
  const auto step = std::min(left(deadline), site_.timeouts.settings);
  // The files go in after the prompt, as a user does it.
  if (run("fill_prompt", {{"s", {{"prompt", site_.selectors.prompt}}}, {"prompt", prompt}}, step) !=
      true)
    throw driver_error(failure_kind::site_error, "no prompt box on the page");
  const auto& a = site_.attachments;
  json args = {{"s", attachment_args(a)}, {"action", "menu"}};
  step_until("upload_step", args, {"ready"}, deadline, step,
             "attachments: the upload menu did not offer a file input");
  ++trips_;
  transport_.set_files(a.menu + " " + a.upload_item + " " + a.file_input, paths, step);
  args["action"] = "settle";
  step_until("upload_step", args, {"clear"}, deadline, step,
             "attachments: the upload did not settle");
  spdlog::info("instance={} {} file(s) attached", setup_.instance_id, paths.size());
}

}  // namespace camoufleet::site
