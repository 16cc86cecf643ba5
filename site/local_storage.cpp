#include "site/local_storage.hpp"

namespace camoufleet::site {

std::optional<browser::origin_storage> origin_storage_from(const nlohmann::json& r) {
  if (!r.is_object()) return std::nullopt;
  browser::origin_storage o;
  o.origin = r.value("origin", std::string());
  for (const auto& item : r.value("items", nlohmann::json::array()))
    if (item.is_array() && item.size() == 2 && item[0].is_string() && item[1].is_string())
      o.local_storage.emplace_back(item[0].get<std::string>(), item[1].get<std::string>());
  if (o.origin.empty() || o.origin == "null") return std::nullopt;
  return o;
}

}  // namespace camoufleet::site
