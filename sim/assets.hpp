#pragma once
// The page files of sim/assets/, embedded at build time (see CMakeLists.txt).

#include <string>

#include "core/embedded_files.hpp"

namespace camoufleet::sim {

extern const core::embedded_table assets;

// nullptr when there is no such asset.
inline const core::embedded_file* find_asset(const std::string& name) { return assets.find(name); }
std::string asset_text(const std::string& name);  // "" when missing
using core::content_type_for;

}  // namespace camoufleet::sim
