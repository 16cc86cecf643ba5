// A Camoufox instance in a fleet: bob.browser.json names a "camoufox"
// executable (a stand-in that records its environment and execs
// firefox-esr: the real binary cannot be installed here) and
// bob.camoufox.json holds his fingerprint. The fingerprint must reach that
// browser, whole, as CAMOU_CONFIG_1..N, and the instance must serve.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <map>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using nlohmann::json;

TEST_CASE("e2e camoufox: a profile's fingerprint reaches its Camoufox browser, which serves" *
          doctest::skip(::access("/usr/bin/firefox-esr", X_OK) != 0)) {
  testing::temp_dir bin("camoufleet-fakecamoufox-");
  const std::string exe = bin.file("camoufox");
  const std::string recorded = bin.file("env.recorded");
  {
    std::ofstream s(exe);
    s << "#!/bin/sh\nenv -0 > '" << recorded << "'\nexec /usr/bin/firefox-esr \"$@\"\n";
  }
  ::chmod(exe.c_str(), 0755);
  json fingerprint = {{"navigator.platform", "Win32"}, {"locale:region", "Zürich"}, {"fonts", json::array()}};
  for (int i = 0; i < 3000; ++i) fingerprint["fonts"].push_back("Font Family " + std::to_string(i));

  fleet_config cfg = with_accounts(2);
  cfg.before_start = [&](const std::string& auth_dir) {
    std::ofstream(auth_dir + "/bob.browser.json") << json{{"kind", "camoufox"}, {"browser", exe}}.dump();
    std::ofstream(auth_dir + "/bob.camoufox.json") << fingerprint.dump(1);
  };
  fleet_fixture f(cfg);

  // Two profiles, two instances: neither sidecar is taken for a profile.
  REQUIRE(f.instances()["total_instances"] == 2);
  std::ifstream in(recorded, std::ios::binary);
  const std::string env((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE_FALSE(env.empty());
  std::map<int, std::string> chunks;
  for (std::size_t start = 0; start < env.size();) {
    std::size_t end = env.find('\0', start);
    if (end == std::string::npos) end = env.size();
    const std::string var = env.substr(start, end - start);
    start = end + 1;
    if (var.rfind("CAMOU_CONFIG_", 0) != 0) continue;
    chunks[std::atoi(var.c_str() + 13)] = var.substr(var.find('=') + 1);
  }
  REQUIRE(chunks.size() >= 2);  // the fingerprint is longer than one chunk
  std::string joined;
  int expect = 1;
  for (const auto& [n, text] : chunks) {
    CHECK(n == expect++);
    joined += text;
  }
  CHECK(json::parse(joined) == fingerprint);

  // Both serve: one after the other, LRU sends the second to the other instance.
  auto a = f.post("/v1/chat/completions", chat_body("camoufox fleet one"), {}, 90s);
  auto b = f.post("/v1/chat/completions", chat_body("camoufox fleet two"), {}, 90s);
  CHECK(a.status == 200);
  CHECK(b.status == 200);
  if (a.status == 200) CHECK(a.json()["choices"][0]["message"]["content"] == expected_answer("camoufox fleet one"));
  if (b.status == 200) CHECK(b.json()["choices"][0]["message"]["content"] == expected_answer("camoufox fleet two"));
  CHECK(a.header("X-Camoufleet-Instance") != b.header("X-Camoufleet-Instance"));
}
