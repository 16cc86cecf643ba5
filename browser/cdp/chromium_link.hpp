#pragma once
// One launched Chromium and the DevTools connection to it: a session, the
// shared browser of context isolation and a warm spare all start one the
// same way (launch_and_connect), and differ only in who hears its loss.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "browser/browser_process.hpp"
#include "browser/io_thread.hpp"
#include "browser/virtual_display.hpp"

namespace camoufleet::browser::cdp {

class connection;

struct chromium_link {
  std::unique_ptr<virtual_display> display;  // set only when the options asked for one
  std::unique_ptr<io_thread> io;
  std::unique_ptr<browser_process> browser;
  std::shared_ptr<connection> conn;
};

// What went: "browser exited …" (the process) or "browser connection lost:
// <reason>" (the socket). Called from the browser's waiter or the io thread,
// possibly both, once each; the caller keeps the first.
using loss_callback = std::function<void(const std::string& what)>;

// Starts a virtual display first when `bo` asks for one and names none,
// launches Chromium, connects to its DevTools, all before `deadline`.
// Throws driver_error (what browser_process::launch and connection::connect
// throw); whatever was started is stopped again by the link's destructors.
chromium_link launch_and_connect(browser_options bo, std::chrono::steady_clock::time_point deadline,
                                 loss_callback on_loss);

}  // namespace camoufleet::browser::cdp
