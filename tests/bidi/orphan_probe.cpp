// bidi_orphan_probe PROFILE_ROOT: launches a headless firefox-esr, prints
// "browser_pid=<pid>" on stderr and waits to be killed. The orphan test
// SIGKILLs this process and expects the kernel to take the browser with it.
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "browser/bidi/launcher.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bidi_orphan_probe PROFILE_ROOT\n");
    return 2;
  }
  try {
    camoufleet::bidi::firefox_options o;
    o.instance_id = "orphan_probe";
    o.profile_root = argv[1];
    o.start_timeout = std::chrono::seconds(60);
    auto browser = camoufleet::bidi::firefox_process::launch(o);
    std::fprintf(stderr, "browser_pid=%d\n", browser->process().pid());
    std::fflush(stderr);
    for (;;) ::pause();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "probe failed: %s\n", e.what());
    return 1;
  }
}
