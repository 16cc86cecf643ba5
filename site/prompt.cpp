#include "site/prompt.hpp"

namespace camoufleet::site {
namespace {

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

bool is_system(const std::string& role) {
  return role == "system" || role == "developer";
}

}  // namespace

std::string flatten_prompt(const std::vector<chat_message>& messages, const prompt_labels& labels) {
  std::vector<const chat_message*> kept;
  for (const auto& m : messages)
    if (!blank(m.content)) kept.push_back(&m);
  if (kept.size() == 1 && kept[0]->role == "user") return kept[0]->content;

  std::string system;
  for (const auto* m : kept) {
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
  for (const auto* m : kept) {
    if (is_system(m->role)) continue;
    add(m->role == "assistant" ? labels.assistant : labels.user, m->content);
  }
  return out;
}

}  // namespace camoufleet::site
