// What the memory launch flags of headless Chromium really do, on the real
// browser: a flag Chromium does not know is ignored without a word (the
// network service flag was, for a release), so its effect is checked here.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "browser/browser_process.hpp"
#include "tests/browser/process_watch.hpp"
#include "tests/browser/scratch_dir.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
using namespace camoufleet::browser;
using namespace camoufleet::browser::testing;

namespace {

// The command lines (NULs kept) of the browser's processes: it runs in a
// process group of its own, helpers included.
std::vector<std::string> group_cmdlines(int pgid) {
  std::vector<std::string> out;
  for (int pid : camoufleet::testing::group_pids(pgid)) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string cmd;
    std::getline(f, cmd);  // does not throw if the process just exited
    out.push_back(std::move(cmd));
  }
  return out;
}

bool any_has(const std::vector<std::string>& cmds, const std::string& part) {
  return std::any_of(cmds.begin(), cmds.end(),
                     [&](const std::string& c) { return c.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("launch: headless Chromium runs no network service process and no first tab") {
  scratch_dir dir;
  browser_options o;
  o.instance_id = "mem";
  o.profile_root = dir.path;
  o.base_port = 27222 + static_cast<int>(::getpid() % 3000);
  o.start_timeout = 30s;
  pid_reaper guard;
  auto b = browser_process::launch(o);
  guard.pid = b->pid();
  // The storage service starts right after the network service would have
  // (seen with the flag Chromium ignores): once it runs, the set is complete.
  std::vector<std::string> cmds;
  REQUIRE(wait_until(
      [&] {
        cmds = group_cmdlines(b->pid());
        return any_has(cmds, "storage.mojom.StorageService");
      },
      20s));
  CHECK_FALSE(any_has(cmds, "network.mojom.NetworkService"));
  CHECK_FALSE(any_has(cmds, "--type=renderer"));
}
