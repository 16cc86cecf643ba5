#include "browser/account_packing.hpp"

#include <algorithm>

namespace camoufleet::browser {

int pick_browser(const std::vector<browser_load>& loads, int per_browser) {
  const int room = std::max(per_browser, 1);
  for (std::size_t i = 0; i < loads.size(); ++i) {
    if (loads[i].usable && loads[i].accounts < room) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace camoufleet::browser
