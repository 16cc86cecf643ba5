#include "browser/cdp/chromium_link.hpp"

#include <algorithm>

#include "browser/cdp/connection.hpp"
#include "browser/deadline.hpp"

namespace camoufleet::browser::cdp {

using std::chrono::milliseconds;

namespace {
}  // namespace

chromium_link launch_and_connect(browser_options bo, std::chrono::steady_clock::time_point deadline,
                                 loss_callback on_loss) {
  chromium_link link;
  if (bo.display == display_mode::virtual_display && bo.x_display.empty()) {
    link.display = virtual_display::start(99, std::min(time_left(deadline), milliseconds(10000)));
    bo.x_display = link.display->name();
  }
  bo.start_timeout = time_left(deadline);
  link.io = std::make_unique<io_thread>();
  link.browser = browser_process::launch(bo, [on_loss](const exit_info& e) { on_loss("browser " + e.text); });
  link.conn = connection::connect(*link.io, link.browser->ws_endpoint(), time_left(deadline));
  link.conn->on_close([on_loss](const std::string& reason) { on_loss("browser connection lost: " + reason); });
  return link;
}

}  // namespace camoufleet::browser::cdp
