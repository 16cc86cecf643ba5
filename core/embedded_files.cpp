#include "core/embedded_files.hpp"

namespace camoufleet::core {

const embedded_file* embedded_table::find(std::string_view name) const {
  for (const auto& f : *this)
    if (name == f.name) return &f;
  return nullptr;
}

const char* content_type_for(std::string_view name) {
  const auto ends_with = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".json")) return "application/json";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

}  // namespace camoufleet::core
