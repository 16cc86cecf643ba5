#pragma once
// One launched Firefox or Camoufox and the WebDriver BiDi session to it: a
// session, the shared browser of context isolation and a warm spare start
// one the same way (launch_and_open), and differ only in who hears its loss
// (as browser/cdp/chromium_link.hpp).

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "browser/bidi/launcher.hpp"
#include "browser/bidi/session.hpp"
#include "browser/io_thread.hpp"
#include "browser/virtual_display.hpp"

namespace camoufleet::bidi {

struct firefox_link {
  // Destroyed in reverse: the BiDi session, the browser, the io thread, the display.
  std::unique_ptr<browser::virtual_display> display;  // set only when the options asked for one
  std::unique_ptr<browser::io_thread> io;
  std::unique_ptr<firefox_process> browser;
  std::unique_ptr<session> bidi;
};

// What went: "browser exited …" (the process) or "browser connection lost:
// <reason>" (the socket). From the browser's waiter or the io thread,
// possibly both; the caller keeps the first.
using loss_callback = std::function<void(const std::string& what)>;

// Starts a virtual display first when fo asks for one and names none,
// launches the browser, opens a BiDi session on it, all before deadline
// (fo.start_timeout is set from it). Throws driver_error; whatever was
// started is stopped again by the link's destructors.
firefox_link launch_and_open(firefox_options fo, std::chrono::steady_clock::time_point deadline,
                             loss_callback on_loss);

}  // namespace camoufleet::bidi
