// The auth profile lifecycle on real Chromium and the simulator: profiles
// added and removed while serving, a lost login recovered by rewriting the
// file, broken files beside good ones, and the refreshed session written
// back to its file.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>

#include "browser/storage_state.hpp"
#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using nlohmann::json;

namespace {

namespace fs = std::filesystem;

// Fast polling of the auth dir; the server reads these at start.
fleet_config watching(int accounts) {
  fleet_config c = with_accounts(accounts);
  c.env["CAMOUFLEET_AUTH_POLL_MS"] = "200";
  return c;
}

json instance_by_file(const fleet_fixture& f, const std::string& file) {
  auto r = f.get("/v1/instances");
  if (r.status != 200) return nullptr;
  const json all = r.json();  // kept: a loop over r.json()["instances"] would dangle
  for (const auto& i : all["instances"])
    if (i["auth_file"] == file) return i;
  return nullptr;
}

json instance_by_id(const fleet_fixture& f, const std::string& id) {
  auto r = f.get("/v1/instances");
  if (r.status != 200) return nullptr;
  const json all = r.json();  // kept: a loop over r.json()["instances"] would dangle
  for (const auto& i : all["instances"])
    if (i["id"] == id) return i;
  return nullptr;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Puts a profile in place the way `login --activate` does: whole, at once.
void install_profile(const std::string& from, const std::string& to) {
  auto tmp = to + ".tmp";
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing);
  ::chmod(tmp.c_str(), 0600);
  fs::rename(tmp, to);
}

// The simulator's profiles the fixture wrote beside the auth dir.
std::string spare_profile(const fleet_fixture& f, const std::string& account) {
  return (fs::path(f.auth_dir()).parent_path() / "all" / (account + ".json")).string();
}

int count_lines(const fleet_fixture& f, const std::string& needle) {
  int n = 0;
  for (const auto& l : f.log_lines())
    if (l.find(needle) != std::string::npos) ++n;
  return n;
}

bool completes(const fleet_fixture& f, const std::string& prompt) {
  auto r = f.post("/v1/chat/completions", chat_body(prompt));
  return r.status == 200 &&
         r.json()["choices"][0]["message"]["content"] == expected_answer(prompt);
}

}  // namespace

TEST_CASE("e2e profiles: a profile added while running becomes a ready instance that serves") {
  fleet_fixture f(watching(1));
  REQUIRE(f.instances()["instances"].size() == 1);
  install_profile(spare_profile(f, "bob"), f.auth_dir() + "/bob.json");
  REQUIRE(testing::wait_until(
      [&] {
        auto i = instance_by_file(f, "bob.json");
        return !i.is_null() && i["status"] == "ready";
      },
      90s, 100ms));
  auto bob = instance_by_file(f, "bob.json");
  CHECK(bob["id"] == "instance_2");
  CHECK(f.health()["ready_instances"] == 2);
  // Two requests in a row go to both (LRU), so bob's browser really serves.
  std::set<std::string> who;
  for (int i = 0; i < 2; ++i) {
    auto r = f.post("/v1/chat/completions", chat_body("added " + std::to_string(i)));
    REQUIRE(r.status == 200);
    who.insert(r.header("X-Camoufleet-Instance"));
  }
  CHECK(who.count("instance_2") == 1);
  CHECK(f.sim().state()["accounts"]["bob"]["requests"].get<int>() >= 1);
}

TEST_CASE("e2e profiles: a removed profile finishes its request, then its instance disappears") {
  fleet_fixture f(watching(2));
  // Slow answers, so the request is surely in flight when the file goes.
  f.sim().set_pacing({{"first_token_ms", 500}, {"token_ms", 150}, {"tokens", 24}});
  auto pending = std::async(std::launch::async, [&] {
    return f.post("/v1/chat/completions", chat_body("drain me"), {}, 90s);
  });
  std::string busy_id, busy_file;
  REQUIRE(testing::wait_until(
      [&] {
        const json all = f.instances();
        for (const auto& i : all["instances"])
          if (i["status"] == "busy") {
            busy_id = i["id"];
            busy_file = i["auth_file"];
            return true;
          }
        return false;
      },
      30s, 20ms));
  fs::remove(f.auth_dir() + "/" + busy_file);
  // While it drains it still shows (stopping), and serves nothing new.
  REQUIRE(testing::wait_until(
      [&] { return instance_by_id(f, busy_id).value("status", "") == "stopping"; }, 10s, 20ms));
  auto r = pending.get();
  REQUIRE(r.status == 200);
  CHECK(r.header("X-Camoufleet-Instance") == busy_id);
  CHECK(r.json()["choices"][0]["message"]["content"] == expected_answer("drain me"));
  CHECK(r.json()["choices"][0]["finish_reason"] == "stop");
  REQUIRE(testing::wait_until([&] { return instance_by_id(f, busy_id).is_null(); }, 30s, 100ms));
  CHECK(f.instances()["instances"].size() == 1);
  CHECK(f.health()["total_instances"] == 1);
  // Its file stays gone: nothing wrote the session back.
  CHECK_FALSE(fs::exists(f.auth_dir() + "/" + busy_file));
  f.sim().set_pacing({{"first_token_ms", 20}, {"token_ms", 5}});
  CHECK(completes(f, "after the removal"));
}

TEST_CASE("e2e profiles: login lost names the file and the fix, and rewriting the file recovers it") {
  fleet_fixture f(watching(1));
  f.sim().set_faults({{"account", "alice"}, {"login_expired", true}});
  auto r = f.post("/v1/chat/completions", chat_body("login gone"));
  CHECK(r.status != 200);
  REQUIRE(testing::wait_until(
      [&] { return instance_by_file(f, "alice.json").value("status", "") == "needs_login"; }, 30s,
      100ms));
  auto alice = instance_by_file(f, "alice.json");
  CHECK(alice["reason"] ==
        "login lost for alice.json: run camoufleet login --save-as alice --activate");
  // The same, once, in the log, tagged with the instance.
  REQUIRE(testing::wait_until(
      [&] { return count_lines(f, "--save-as alice --activate") >= 1; }, 10s, 100ms));
  CHECK(count_lines(f, "--save-as alice --activate") == 1);
  bool tagged = false;
  for (const auto& l : f.log_lines())
    if (l.find("--save-as alice --activate") != std::string::npos)
      tagged = l.find(alice["id"].get<std::string>()) != std::string::npos;
  CHECK(tagged);

  // The user signs in again: the account works again and the file is rewritten.
  f.sim().set_faults({{"account", "alice"}, {"clear", true}});
  install_profile(spare_profile(f, "alice"), f.auth_dir() + "/alice.json");
  REQUIRE(testing::wait_until(
      [&] { return instance_by_file(f, "alice.json").value("status", "") == "ready"; }, 90s,
      100ms));
  CHECK(completes(f, "login back"));
}

TEST_CASE("e2e profiles: broken files are error instances with reasons, the good ones serve") {
  fleet_config c = watching(2);
  c.before_start = [](const std::string& dir) {
    auto put = [&](const std::string& name, const std::string& text) {
      std::ofstream(dir + "/" + name) << text;
      ::chmod((dir + "/" + name).c_str(), 0600);
    };
    put("not_json.json", "{this is not json");
    put("no_cookies.json", R"({"cookies":[],"origins":[]})");
    put("wrong_shape.json", R"({"cookies":{"name":"SID"}})");
    ::chmod((dir + "/bob.json").c_str(), 0644);  // world-readable: warned about
  };
  fleet_fixture f(c);
  std::map<std::string, std::string> broken = {{"not_json.json", "not valid JSON"},
                                               {"no_cookies.json", "no cookies"},
                                               {"wrong_shape.json", "not an array"}};
  REQUIRE(testing::wait_until(
      [&] {
        for (const auto& [file, why] : broken)
          if (instance_by_file(f, file).value("status", "") != "error") return false;
        return true;
      },
      30s, 100ms));
  for (const auto& [file, why] : broken) {
    auto i = instance_by_file(f, file);
    CAPTURE(i.dump());
    CHECK(i["reason"].get<std::string>().find(file) != std::string::npos);
    CHECK(i["reason"].get<std::string>().find(why) != std::string::npos);
  }
  CHECK(instance_by_file(f, "alice.json")["status"] == "ready");
  CHECK(instance_by_file(f, "bob.json")["status"] == "ready");
  CHECK(completes(f, "next to broken files"));
  // No restart loop: still exactly one line per broken file after a while.
  CHECK_FALSE(testing::wait_until(
      [&] { return count_lines(f, "Auth profile not_json.json is broken") > 1; }, 4s, 200ms));
  for (const auto& [file, why] : broken)
    CHECK(count_lines(f, "Auth profile " + file + " is broken") == 1);
  CHECK(count_lines(f, "readable by group/others") >= 1);
  // Fixing a broken file brings its instance up.
  install_profile(spare_profile(f, "carol"), f.auth_dir() + "/no_cookies.json");
  CHECK(testing::wait_until(
      [&] { return instance_by_file(f, "no_cookies.json").value("status", "") == "ready"; }, 90s,
      100ms));
}

TEST_CASE("e2e profiles: the refreshed session is written back, valid and 0600, without a restart") {
  fleet_config c = watching(1);
  c.env["CAMOUFLEET_PROFILE_REFRESH_MS"] = "500";
  std::string original;
  c.before_start = [&](const std::string& dir) {
    // Laid out differently from what camoufleet writes, so a write shows.
    auto p = dir + "/alice.json";
    original = json::parse(read_file(p)).dump(4);
    std::ofstream(p, std::ios::trunc) << original;
    ::chmod(p.c_str(), 0640);
  };
  fleet_fixture f(c);
  const auto path = f.auth_dir() + "/alice.json";
  REQUIRE(testing::wait_until([&] { return read_file(path) != original; }, 30s, 100ms));
  auto state = browser::parse_storage_state(read_file(path), "alice.json");
  CHECK_FALSE(state.cookies.empty());
  bool has_sid = false;
  for (const auto& k : state.cookies) has_sid = has_sid || k.name == "SID";
  CHECK(has_sid);
  struct stat sb {};
  REQUIRE(::stat(path.c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0600);
  // Our own write is not taken for a new login: no restart, and it serves.
  CHECK_FALSE(testing::wait_until(
      [&] { return count_lines(f, "alice.json changed: restarting") > 0; }, 2s, 200ms));
  CHECK(instance_by_file(f, "alice.json")["status"] == "ready");
  CHECK(completes(f, "after refresh"));
  CHECK(count_lines(f, "Refreshed session written to alice.json") >= 1);
  // Never a cookie value in the log.
  for (const auto& k : state.cookies)
    if (k.value.size() >= 8) CHECK(count_lines(f, k.value) == 0);
}
