#include "http/model_aliases.hpp"

namespace camoufleet::http {

model_aliases::model_aliases(std::vector<std::pair<std::string, std::string>> pairs)
    : pairs_(std::move(pairs)) {}

const std::string* model_aliases::target(const std::string& name) const {
  for (const auto& [alias, model] : pairs_)
    if (alias == name) return &model;
  return nullptr;
}

std::vector<core::model_info> model_aliases::listed(
    const std::vector<core::model_info>& models) const {
  std::vector<core::model_info> out;
  out.reserve(models.size() + pairs_.size());
  for (const auto& m : models) {
    out.push_back(m);
    for (const auto& [alias, model] : pairs_) {
      if (model != m.id) continue;
      const std::string& shown = m.display_name.empty() ? m.id : m.display_name;
      out.push_back({alias, shown + " (as " + alias + ")"});
    }
  }
  return out;
}

}  // namespace camoufleet::http
