// --responses-store-file end to end: the real binary on the simulator keeps
// its /v1/responses answers across a restart (SIGTERM, then a new server on
// the same file): read back, continued with previous_response_id — the page
// gets the turns from before the restart — and a background response cut
// off by the shutdown is kept as failed, not lost.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using nlohmann::json;

namespace {

fleet_config keeping(const std::string& path) {
  fleet_config cfg = with_accounts(1);
  cfg.server_args = {"--responses-store-file", path, "--shutdown-grace", "1"};
  return cfg;
}

std::string status_of(const fleet_fixture& f, const std::string& id) {
  const auto r = f.get("/v1/responses/" + id);
  return r.status == 200 ? r.json().value("status", "") : "HTTP " + std::to_string(r.status);
}

}  // namespace

TEST_CASE("e2e: --responses-store-file keeps the Responses API's answers across a restart") {
  testing::temp_dir dir("camoufleet-kept-");
  const std::string path = dir.file("responses.json");
  std::string first, background, kept;
  {
    fleet_fixture f(keeping(path));
    auto r = f.post("/v1/responses",
                    {{"model", "gemini-2.5-pro"}, {"input", "Remember the word heliotrope."}});
    REQUIRE(r.status == 200);
    first = r.json()["id"];
    kept = f.get("/v1/responses/" + first).body;
    // A background answer the shutdown cuts off: the page hangs on it.
    f.sim().set_faults({{"hang", true}});
    r = f.post("/v1/responses",
               {{"model", "gemini-2.5-pro"}, {"input", "Take your time."}, {"background", true}});
    REQUIRE(r.status == 200);
    background = r.json()["id"];
    CHECK(testing::wait_until([&] { return status_of(f, background) == "in_progress"; }, 30s));
    const auto st = f.stop(SIGTERM, 60s);
    REQUIRE(st.has_value());
    CHECK(WIFEXITED(*st));
    CHECK(WEXITSTATUS(*st) == 0);
  }
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  fleet_fixture f(keeping(path));
  bool read_back = false;
  for (const auto& l : f.log_lines())
    read_back = read_back || l.find("2 kept answers read from") != std::string::npos;
  CHECK(read_back);
  CHECK(f.get("/v1/responses/" + first).body == kept);
  const auto cut = f.get("/v1/responses/" + background).json();
  CHECK(cut["status"] == "failed");
  CHECK(cut["error"]["message"].get<std::string>().find("shutting down") != std::string::npos);
  const auto next = f.post("/v1/responses", {{"model", "gemini-2.5-pro"},
                                             {"input", "Which word was it?"},
                                             {"previous_response_id", first}});
  CHECK(next.status == 200);
  // The page got the turn from before the restart with the new one.
  const auto prompt = f.sim().state()["requests"].back()["prompt"].get<std::string>();
  CHECK(prompt.find("heliotrope") != std::string::npos);
  CHECK(prompt.find("Which word was it?") != std::string::npos);
}
