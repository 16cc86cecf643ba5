#include "sim/assets.hpp"

namespace camoufleet::sim {

std::string asset_text(const std::string& name) {
  const auto* a = find_asset(name);
  return a ? std::string(a->text()) : std::string();
}

}  // namespace camoufleet::sim
