#include "config/tool_settings.hpp"

#include <fstream>

namespace camoufleet::config {

std::string apply_tool_settings(settings& s) {
  if (s.image_urls != "refuse" && s.image_urls != "fetch")
    return "--image-urls \"" + s.image_urls + "\" is not one of refuse, fetch";
  if (s.image_fetch_max_bytes < 1 || s.image_fetch_max_bytes > 64u * 1024 * 1024)
    return "--image-fetch-max-bytes must be between 1 and 64M";
  if (s.image_fetch_timeout.count() < 1 || s.image_fetch_timeout.count() > 300)
    return "--image-fetch-timeout must be between 1s and 5m";
  if (!s.image_fetch_ca_file.empty()) {
    std::ifstream ca(s.image_fetch_ca_file);
    if (!ca) return "--image-fetch-ca-file: " + s.image_fetch_ca_file + " cannot be read";
  }
  return "";
}

}  // namespace camoufleet::config
