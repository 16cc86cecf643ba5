#pragma once
// Context isolation (--isolation context): which shared browser a profile
// joins. Pure, so that it is unit tested without browsers.

#include <vector>

namespace camoufleet::browser {

// One shared browser as the packer sees it.
struct browser_load {
  bool usable = true;  // false once it died or failed to start: nobody joins it
  int accounts = 0;    // sessions (profiles) living in it now, starting ones included
};

// The index of the browser a new profile joins: the first usable one with
// room (fewest browsers, so that N profiles start one browser, not N), or
// -1 when a new browser must be launched. per_browser < 1 counts as 1.
int pick_browser(const std::vector<browser_load>& loads, int per_browser);

}  // namespace camoufleet::browser
