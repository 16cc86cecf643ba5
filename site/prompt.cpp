#include "site/prompt.hpp"

#include <nlohmann/json.hpp>

namespace camoufleet::site {
namespace {

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

bool is_system(const std::string& role) {
  return role == "system" || role == "developer";
}

bool kept(const chat_message& m) {
  return !blank(m.content) || !m.tool_calls.empty() || m.role == "tool";
}

std::string calls_text(const std::vector<core::tool_call>& calls) {
  std::string out;
  for (const auto& c : calls) {
    if (!out.empty()) out += '\n';
    out += "Request function call: " + c.name;
    if (!c.id.empty()) out += " (tool_call_id=" + c.id + ")";
    out += "\nParameters: " + (blank(c.arguments) ? std::string("{}") : c.arguments);
  }
  return out;
}

}  // namespace

std::string flatten_prompt(const std::vector<chat_message>& messages, const prompt_labels& labels,
                           const std::string& instructions) {
  std::vector<const chat_message*> turns;
  for (const auto& m : messages)
    if (kept(m)) turns.push_back(&m);
  if (turns.size() == 1 && turns[0]->role == "user" && instructions.empty())
    return turns[0]->content;

  std::string system = instructions;
  for (const auto* m : turns) {
    if (!is_system(m->role)) continue;
    if (!system.empty()) system += labels.separator;
    system += m->content;
  }
  std::string out;
  auto add = [&](const std::string& label, const std::string& content) {
    if (!out.empty()) out += labels.separator;
    out += label;
    out += '\n';
    out += content;
  };
  if (!system.empty()) add(labels.system, system);
  for (const auto* m : turns) {
    if (is_system(m->role)) continue;
    if (m->role == "tool") {
      add("Tool result" + (m->tool_call_id.empty() ? "" : " (tool_call_id=" + m->tool_call_id + ")") +
              ":",
          m->content);
    } else if (m->role == "assistant") {
      std::string body = blank(m->content) ? std::string() : m->content;
      const std::string calls = calls_text(m->tool_calls);
      if (!body.empty() && !calls.empty()) body += '\n';
      add(labels.assistant, body + calls);
    } else {
      add(labels.user, m->content);
    }
  }
  return out;
}

std::string tool_choice_instruction(const generation_params& params, bool emulated) {
  if (params.function_declarations.empty()) return {};
  if (emulated) {
    if (params.tool_choice == "required")
      return "You must answer with a ```tool_calls block holding one or more function calls; do "
             "not answer in plain text.";
    if (params.tool_choice == "function")
      return "You must answer with a ```tool_calls block that calls the function " +
             params.tool_choice_name + " (and no other function); do not answer in plain text.";
    return {};
  }
  if (params.tool_choice == "required")
    return "You must answer with one or more function calls; do not answer in text.";
  if (params.tool_choice == "function")
    return "You must answer by calling the function " + params.tool_choice_name +
           "; do not answer in text.";
  return {};
}

std::string response_format_instruction(const generation_params& params) {
  static const std::string bare =
      "Put no text before or after it, no Markdown and no code fence.";
  if (params.response_format == "json_object")
    return "Answer with one JSON object only. " + bare;
  if (params.response_format != "json_schema") return {};
  const auto spec = nlohmann::json::parse(params.response_schema, nullptr, false);
  const std::string name = spec.is_object() ? spec.value("name", std::string()) : std::string();
  if (spec.is_object() && spec.contains("schema"))
    return "Answer with one JSON value only, valid against this JSON Schema (\"" + name +
           "\"):\n" + spec["schema"].dump(2) + "\n" + bare;
  return "Answer with one JSON value only (\"" + name + "\"). " + bare;
}

std::string ask_again_request(const std::string& problem, const generation_params& params) {
  const bool call = params.tool_choice == "required" || params.tool_choice == "function";
  return "Your last answer cannot be used as it is: " + problem +
         ". Answer the request above again, " +
         (call ? "with the function call it needs." : "with the corrected JSON only.");
}

}  // namespace camoufleet::site
