#include "browser/virtual_display.hpp"

#include <sys/stat.h>

#include <thread>

#include <spdlog/spdlog.h>

#include "browser/browser_process.hpp"

namespace camoufleet::browser {

using namespace std::chrono_literals;

namespace {
std::string socket_path(int n) { return "/tmp/.X11-unix/X" + std::to_string(n); }
std::string lock_path(int n) { return "/tmp/.X" + std::to_string(n) + "-lock"; }
bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}
}  // namespace

bool display_in_use(int number) { return exists(socket_path(number)) || exists(lock_path(number)); }

std::unique_ptr<virtual_display> virtual_display::start(int first_display, std::chrono::milliseconds timeout,
                                                        const std::string& xvfb_path) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int n = first_display;
  for (int tries = 0; tries < 100; ++tries, ++n) {
    if (display_in_use(n)) continue;
    owned_child::spec sp;
    sp.path = xvfb_path;
    sp.args = {":" + std::to_string(n), "-screen", "0", "1280x800x24", "-nolisten", "tcp"};
    auto child = owned_child::spawn(std::move(sp));

    // Xvfb has no readiness signal on stdout; its socket appearing is it.
    bool ready = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (exists(socket_path(n))) {
        ready = true;
        break;
      }
      if (child->wait_for_exit(20ms)) break;
    }
    if (ready && child->running()) {
      std::unique_ptr<virtual_display> vd(new virtual_display());
      vd->child_ = std::move(child);
      vd->number_ = n;
      spdlog::info("virtual display :{} up (Xvfb pid {})", n, vd->pid());
      return vd;
    }
    if (child->running()) {  // deadline passed
      auto tail = child->stderr_tail();
      child->terminate(1s);
      throw driver_error(failure_kind::timeout,
                         "Xvfb :" + std::to_string(n) + " did not come up in time" +
                             (tail.empty() ? "" : ": " + tail.back()));
    }
    // Lost a race for this number (another server took it): try the next.
    spdlog::info("Xvfb :{} exited at start ({}), trying the next display", n, child->exit_status().text);
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  throw driver_error(failure_kind::timeout, "no virtual display could be started from :" +
                                                std::to_string(first_display));
}

virtual_display::~virtual_display() { stop(); }

int virtual_display::pid() const { return child_ ? child_->pid() : 0; }

bool virtual_display::running() const { return child_ && child_->running(); }

void virtual_display::stop() {
  if (!child_) return;
  child_->terminate(2s);
  child_.reset();
}

}  // namespace camoufleet::browser
