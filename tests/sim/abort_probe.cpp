// A stand-in for a test process that aborts: it starts a child through the
// test support (as a test starts the simulator or the server), prints the
// child's pid and aborts. sim_tests checks that the child died with it.
#include <cstdio>
#include <cstdlib>

#include "test_support.hpp"

int main() {
  camoufleet::testing::child_process child({"/bin/sleep", "300"});
  std::printf("child=%d\n", child.pid());
  std::fflush(stdout);
  std::abort();  // no destructor runs: only the kernel can stop the child now
}
