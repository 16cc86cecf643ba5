// The doctest main of every test binary. One option of our own:
// --ui-variant=NAME makes every simulator the tests start serve that UI
// variant (through CAMOUFLEET_UI_VARIANT, read by testing::sim_process), so
// ctest can run one suite once per variant. Likewise --browser-kind=NAME
// (chromium, firefox, camoufox) sets CAMOUFLEET_BROWSER_KIND, which the
// browser fixtures (testing::browser_kind()) and the camoufleet binaries they
// start honour, so one suite runs once per browser. --isolation=context sets
// CAMOUFLEET_ISOLATION, which the camoufleet binaries read like the flag.
// --browser=PATH sets CAMOUFLEET_BROWSER: the Chromium the fixtures start
// (testing::chromium_path()) and the camoufleet binaries launch, e.g.
// Chromium's headless shell.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

int main(int argc, char** argv) {
  std::vector<char*> rest;
  const std::pair<const char*, const char*> options[] = {
      {"--ui-variant=", "CAMOUFLEET_UI_VARIANT"}, {"--browser-kind=", "CAMOUFLEET_BROWSER_KIND"},
      {"--isolation=", "CAMOUFLEET_ISOLATION"}, {"--browser=", "CAMOUFLEET_BROWSER"}};
  for (int i = 0; i < argc; ++i) {
    bool ours = false;
    for (const auto& [prefix, env] : options) {
      if (std::strncmp(argv[i], prefix, std::strlen(prefix)) != 0) continue;
      ::setenv(env, argv[i] + std::strlen(prefix), 1);
      ours = true;
    }
    if (!ours) rest.push_back(argv[i]);
  }
  // spdlog's registry (and its default logger) is made on first use, inside
  // Debian's uninstrumented libspdlog: made here, before any test starts a
  // thread that logs, ThreadSanitizer sees no race on it (the server does
  // the same: it sets up logging before it starts a thread).
  spdlog::default_logger();
  doctest::Context ctx(static_cast<int>(rest.size()), rest.data());
  return ctx.run();
}
