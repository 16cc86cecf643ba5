// cdp_orphan_probe PROFILE_ROOT BASE_PORT: launches a headless Chromium,
// prints "browser_pid=<pid>" on stderr and waits to be killed. The orphan test
// SIGKILLs this process and expects the kernel to take the browser with it.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "browser/browser_process.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: cdp_orphan_probe PROFILE_ROOT BASE_PORT\n");
    return 2;
  }
  try {
    camoufleet::browser::browser_options o;
    o.instance_id = "orphan_probe";
    o.profile_root = argv[1];
    o.base_port = std::atoi(argv[2]);
    auto browser = camoufleet::browser::browser_process::launch(o);
    std::fprintf(stderr, "browser_pid=%d\n", browser->pid());
    std::fflush(stderr);
    for (;;) ::pause();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "probe failed: %s\n", e.what());
    return 1;
  }
}
