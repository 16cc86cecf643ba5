#pragma once
// The page files of sim/assets/, embedded at build time (see CMakeLists.txt).

#include <cstddef>
#include <string>

namespace camoufleet::sim {

struct embedded_asset {
  const char* name;  // file name, e.g. "app.js"
  const unsigned char* data;
  std::size_t size;
};

// nullptr when there is no such asset.
const embedded_asset* find_asset(const std::string& name);
std::string asset_text(const std::string& name);  // "" when missing
const char* content_type_for(const std::string& name);

}  // namespace camoufleet::sim
