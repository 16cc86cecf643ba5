#include "site/list_models.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/text.hpp"

namespace camoufleet::site {

using core::driver_error;
using core::failure_kind;
using core::model_info;
using nlohmann::json;

namespace {

bool starts_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

const json* find_model_array(const json& node, const std::string& prefix, int depth) {
  if (!node.is_array() || depth > 8) return nullptr;
  if (!node.empty() && node[0].is_array() && !node[0].empty() && node[0][0].is_string() &&
      starts_with(node[0][0].get_ref<const std::string&>(), prefix))
    return &node;
  for (const auto& child : node)
    if (const json* found = find_model_array(child, prefix, depth + 1)) return found;
  return nullptr;
}

}  // namespace

std::vector<model_info> parse_list_models(const std::string& body, const std::string& prefix) {
  json root = json::parse(body, nullptr, false);
  if (root.is_discarded())
    throw driver_error(failure_kind::site_error, "ListModels: the response is not JSON");
  const json* list = find_model_array(root, prefix, 0);
  if (!list)
    throw driver_error(failure_kind::site_error, "ListModels: no model list in the response");
  std::vector<model_info> out;
  for (const auto& m : *list) {
    if (!m.is_array() || m.empty() || !m[0].is_string()) continue;
    const auto& name = m[0].get_ref<const std::string&>();
    if (!starts_with(name, prefix)) continue;
    model_info info;
    info.id = name.substr(prefix.size());
    info.display_name = m.size() > 3 && m[3].is_string() ? m[3].get<std::string>() : info.id;
    bool dup =
        std::any_of(out.begin(), out.end(), [&](const model_info& x) { return x.id == info.id; });
    if (!dup && !info.id.empty()) out.push_back(std::move(info));
  }
  return out;
}

std::string model_id_for(const std::string& shown, const std::vector<model_info>& known,
                         const std::string& prefix) {
  const std::string t(core::trim(shown));
  for (const auto& m : known)
    if (t == m.display_name || t == m.id || t == prefix + m.id) return m.id;
  return starts_with(t, prefix) ? t.substr(prefix.size()) : t;
}

std::vector<std::string> texts_for_model(const std::string& id,
                                         const std::vector<core::model_info>& known,
                                         const std::string& prefix) {
  std::vector<std::string> candidates = {id, prefix + id};
  for (const auto& m : known)
    if (m.id == id) candidates.push_back(m.display_name);
  std::vector<std::string> out;
  for (const auto& c : candidates)
    if (!c.empty() && model_id_for(c, known, prefix) == id &&
        std::find(out.begin(), out.end(), c) == out.end())
      out.push_back(c);
  return out;
}

}  // namespace camoufleet::site
