#include "browser/bidi/firefox_link.hpp"

#include <algorithm>

#include "browser/deadline.hpp"

namespace camoufleet::bidi {

using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

firefox_link launch_and_open(firefox_options fo, clock_type::time_point deadline, loss_callback on_loss) {
  firefox_link link;
  if (fo.display == browser::display_mode::virtual_display && fo.x_display.empty()) {
    link.display = browser::virtual_display::start(99, std::min(browser::time_left(deadline), milliseconds(10000)));
    fo.x_display = link.display->name();
  }
  fo.start_timeout = browser::time_left(deadline);
  link.io = std::make_unique<browser::io_thread>();
  link.browser = firefox_process::launch(fo, [on_loss](const browser::exit_info& e) { on_loss("browser " + e.text); });
  link.bidi = session::open(*link.io, link.browser->ws_endpoint(), browser::time_left(deadline));
  link.bidi->on_gone([on_loss](const std::string& reason) { on_loss("browser connection lost: " + reason); });
  return link;
}

}  // namespace camoufleet::bidi
