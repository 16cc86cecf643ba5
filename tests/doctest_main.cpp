// The doctest main of every test binary. One option of our own:
// --ui-variant=NAME makes every simulator the tests start serve that UI
// variant (through CAMOUFLEET_UI_VARIANT, read by testing::sim_process), so
// ctest can run one suite once per variant.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
  std::vector<char*> rest;
  const char* prefix = "--ui-variant=";
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix, std::strlen(prefix)) == 0)
      ::setenv("CAMOUFLEET_UI_VARIANT", argv[i] + std::strlen(prefix), 1);
    else
      rest.push_back(argv[i]);
  }
  doctest::Context ctx(static_cast<int>(rest.size()), rest.data());
  return ctx.run();
}
