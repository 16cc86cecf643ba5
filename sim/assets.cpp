#include "sim/assets.hpp"

namespace camoufleet::sim {

std::string asset_text(const std::string& name) {
  const auto* a = find_asset(name);
  return a ? std::string(reinterpret_cast<const char*>(a->data), a->size) : std::string();
}

const char* content_type_for(const std::string& name) {
  auto ends_with = [&](const char* ext) {
    std::string e(ext);
    return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".json")) return "application/json";
  return "application/octet-stream";
}

}  // namespace camoufleet::sim
