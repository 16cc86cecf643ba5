// Stub: implementation follows.
#include "cdp/browser_process.hpp"

namespace camoufleet::cdp {
struct owned_child::state {};
owned_child::owned_child(std::shared_ptr<state> st) : state_(std::move(st)) {}
owned_child::~owned_child() = default;
std::unique_ptr<owned_child> owned_child::spawn(spec, exit_callback) {
  throw driver_error(failure_kind::browser_gone, "owned_child: not implemented yet");
}
int owned_child::pid() const { return 0; }
bool owned_child::running() const { return false; }
exit_info owned_child::terminate(std::chrono::milliseconds) { return {}; }
bool owned_child::wait_for_exit(std::chrono::milliseconds) const { return true; }
exit_info owned_child::exit_status() const { return {}; }
std::vector<std::string> owned_child::stderr_tail() const { return {}; }

std::unique_ptr<browser_process> browser_process::launch(const browser_options&, exit_callback) {
  throw driver_error(failure_kind::browser_gone, "browser_process: not implemented yet");
}
browser_process::~browser_process() = default;
int browser_process::pid() const { return 0; }
bool browser_process::running() const { return false; }
exit_info browser_process::terminate(std::chrono::milliseconds) { return {}; }
bool browser_process::wait_for_exit(std::chrono::milliseconds) const { return true; }
std::vector<std::string> browser_process::stderr_tail() const { return {}; }
std::vector<std::string> chromium_args(const browser_options&, int, const std::string&) { return {}; }
std::string devtools_endpoint_from_line(const std::string&) { return {}; }
}  // namespace camoufleet::cdp
