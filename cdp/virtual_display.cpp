// Stub: implementation follows.
#include "cdp/virtual_display.hpp"

#include "cdp/browser_process.hpp"

namespace camoufleet::cdp {
std::unique_ptr<virtual_display> virtual_display::start(int, std::chrono::milliseconds, const std::string&) {
  throw driver_error(failure_kind::browser_gone, "virtual_display: not implemented yet");
}
virtual_display::~virtual_display() = default;
int virtual_display::pid() const { return 0; }
bool virtual_display::running() const { return false; }
void virtual_display::stop() {}
bool display_in_use(int) { return false; }
}  // namespace camoufleet::cdp
