// One fleet, two browser kinds: alice on Chromium (CDP), bob on firefox-esr
// (WebDriver BiDi, named by bob.browser.json), behind one balancer.
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>
#include <future>
#include <map>
#include <vector>

#include "tests/e2e/fleet_fixture.hpp"
#include "tests/e2e/sse_reader.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using nlohmann::json;

namespace {

std::string cmdline(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("e2e mixed: Chromium and Firefox instances serve through one balancer" *
          doctest::skip(::access("/usr/bin/firefox-esr", X_OK) != 0)) {
  fleet_config cfg = with_accounts(2);
  cfg.before_start = [](const std::string& auth_dir) {
    std::ofstream(auth_dir + "/bob.browser.json") << R"({"kind":"firefox","browser":"/usr/bin/firefox-esr"})";
  };
  fleet_fixture f(cfg);

  // The sidecar is no profile: two instances, one per kind.
  auto inst = f.instances();
  REQUIRE(inst["total_instances"] == 2);
  std::map<std::string, std::string> kind_of;  // instance id -> "chrom" / "firefox"
  for (const auto& i : inst["instances"]) {
    REQUIRE(i["browser_pid"].is_number());
    const std::string cmd = cmdline(i["browser_pid"].get<int>());
    const std::string file = i["auth_file"];
    if (file == "alice.json") CHECK(cmd.find("chrom") != std::string::npos);
    if (file == "bob.json") CHECK(cmd.find("firefox") != std::string::npos);
    kind_of[i["id"]] = cmd.find("firefox") != std::string::npos ? "firefox" : "chromium";
  }
  REQUIRE(kind_of.size() == 2);

  // Four at once on two instances: least-recently-used routing gives each
  // kind its share, and every answer is the page's exact one.
  std::vector<std::future<testing::http_response>> calls;
  for (int n = 0; n < 4; ++n) {
    calls.push_back(std::async(std::launch::async, [&f, n] {
      return f.post("/v1/chat/completions", chat_body("mixed fleet " + std::to_string(n)), {}, 90s);
    }));
  }
  std::map<std::string, int> served;
  for (int n = 0; n < 4; ++n) {
    auto r = calls[static_cast<std::size_t>(n)].get();
    REQUIRE(r.status == 200);
    CHECK(r.json()["choices"][0]["message"]["content"] == expected_answer("mixed fleet " + std::to_string(n)));
    served[kind_of[r.header("X-Camoufleet-Instance")]]++;
  }
  CHECK(served["chromium"] >= 1);
  CHECK(served["firefox"] >= 1);
  // A streamed answer from each kind too.
  for (int n = 0; n < 2; ++n) {
    auto r = f.post("/v1/chat/completions", chat_body("mixed stream " + std::to_string(n), "gemini-2.5-pro", true));
    REQUIRE(r.status == 200);
    auto sse = parse_sse(r.body);
    CHECK(sse.done());
    CHECK(sse.content() == expected_answer("mixed stream " + std::to_string(n)));
  }
  MESSAGE("served: chromium " << served["chromium"] << ", firefox " << served["firefox"]);
}
