#pragma once
// An Xvfb server for visible-mode browsers on a machine without a screen.

#include <chrono>
#include <memory>
#include <string>

#include "core/chat.hpp"

namespace camoufleet::browser {

using core::driver_error;
using core::failure_kind;

class owned_child;

class virtual_display {
 public:
  // Starts `Xvfb :N -screen 0 1280x800x24 -nolisten tcp` on the first free N
  // >= first_display (no /tmp/.X11-unix/X<N> socket nor /tmp/.X<N>-lock) and
  // waits until its socket exists. Throws driver_error(timeout/browser_gone).
  static std::unique_ptr<virtual_display> start(
      int first_display = 99, std::chrono::milliseconds timeout = std::chrono::seconds(10),
      const std::string& xvfb_path = "Xvfb");

  // Stops Xvfb (by pid).
  ~virtual_display();
  virtual_display(const virtual_display&) = delete;
  virtual_display& operator=(const virtual_display&) = delete;

  int number() const { return number_; }
  std::string name() const { return ":" + std::to_string(number_); }  // for DISPLAY
  int pid() const;
  bool running() const;
  void stop();

 private:
  virtual_display() = default;
  std::unique_ptr<owned_child> child_;
  int number_ = -1;
};

// True when display N looks taken (socket or lock file present).
bool display_in_use(int number);

}  // namespace camoufleet::browser
