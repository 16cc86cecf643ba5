// Every curl example in docs/guide.md marked `<!-- tested -->` is run here
// exactly as written, against a real fleet of three on the simulator.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;

namespace {

std::vector<std::string> tested_blocks(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> blocks;
  std::string line;
  bool armed = false, inside = false;
  std::string cur;
  while (std::getline(in, line)) {
    if (inside) {
      if (line.rfind("```", 0) == 0) {
        blocks.push_back(cur);
        cur.clear();
        inside = armed = false;
      } else {
        cur += line + "\n";
      }
    } else if (line.find("<!-- tested -->") != std::string::npos) {
      armed = true;
    } else if (armed && line.rfind("```sh", 0) == 0) {
      inside = true;
    }
  }
  return blocks;
}

}  // namespace

TEST_CASE("e2e: the guide's curl examples run as written") {
  auto blocks = tested_blocks(source_dir() + "/docs/guide.md");
  REQUIRE(blocks.size() >= 5);
  fleet_fixture f;
  const std::string base = "http://127.0.0.1:" + std::to_string(f.port());
  for (const auto& b : blocks) {
    CAPTURE(b);
    testing::child_process sh({"/bin/bash", "-euo", "pipefail", "-c", b}, {{"BASE", base}});
    auto st = sh.wait_exit(60s);
    REQUIRE(st.has_value());
    CHECK(WIFEXITED(*st));
    CHECK(WEXITSTATUS(*st) == 0);
    std::string out;
    for (const auto& l : sh.stdout_lines()) out += l + "\n";
    CHECK_FALSE(out.empty());
    if (b.find("\"stream\":true") != std::string::npos) {
      CHECK(out.find("data: [DONE]") != std::string::npos);
    } else {
      auto j = nlohmann::json::parse(out, nullptr, false);
      CHECK_FALSE(j.is_discarded());
    }
  }
}
