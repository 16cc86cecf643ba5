// The profile lifecycle on a whole fleet of fakes: the auth dir watcher
// (added / removed / changed files), refresh write-back, needs_login and
// broken-profile reasons, and a cancel that lands before generate().

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "actor_test_support.hpp"
#include "actors/profile_file.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
namespace fs = std::filesystem;

namespace {

// A fresh directory of its own (mkdtemp: a name left by a killed run is
// never reused), removed with the test.
struct auth_dir {
  fs::path path;
  auth_dir() {
    std::string templ = (fs::temp_directory_path() / "camoufleet-watch-XXXXXX").string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~auth_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string put(const std::string& name, const std::string& text) const {
    auto p = (path / name).string();
    std::ofstream(p, std::ios::trunc) << text;
    ::chmod(p.c_str(), 0600);
    return p;
  }
};

std::string state_with(const std::string& sid) {
  return R"({"cookies":[{"name":"SID","value":")" + sid +
         R"(","domain":".google.com","path":"/"}],"origins":[]})";
}

// A fleet over the files of dir, watched, with tiny durations. The watcher
// thread polls on its own; tests also poll by hand to be quick.
fleet_options watched(const auth_dir& dir) {
  auto o = small_fleet_options(0);
  o.auth_dir = dir.path.string();
  o.auth_files = discover_auth_files(o.auth_dir);
  o.watch_auth_dir = true;
  o.timing.auth_poll_interval = 100ms;
  return o;
}

bool has_instance(fleet& f, const std::string& id) {
  for (auto& v : f.snapshot(2s).instances)
    if (v.id == id) return true;
  return false;
}

instance_view view(fleet& f, const std::string& id) {
  for (auto& v : f.snapshot(2s).instances)
    if (v.id == id) return v;
  return {};
}

}  // namespace

TEST_CASE("watch: a new profile file starts a new instance with the next id and port") {
  auth_dir dir;
  dir.put("a.json", state_with("1"));
  fake_world world;
  fleet f(watched(dir), world.factory());
  f.start();
  REQUIRE(f.wait_settled(10s));
  REQUIRE(f.snapshot(2s).instances.size() == 1);
  dir.put("b.json", state_with("2"));
  f.poll_auth_dir();
  REQUIRE(eventually([&] { return view(f, "instance_2").status == instance_status::ready; }));
  auto v = view(f, "instance_2");
  CHECK(v.auth_file == "b.json");
  CHECK(v.port == 9223);
  collector events;
  // Both serve now.
  for (int i = 0; i < 2; ++i) {
    auto id = "r" + std::to_string(i);
    f.api().submit(make_request(id), events.sink(id));
    REQUIRE(events.wait_done(id));
    CHECK(events.all<request_finished>(id).size() == 1);
  }
  CHECK(world.with("instance_2", [](fake_script& s) { return s.generates; }) == 1);
  f.shutdown(1s);
}

TEST_CASE("watch: a removed profile drains its request, then its instance leaves the fleet") {
  auth_dir dir;
  auto a = dir.put("a.json", state_with("1"));
  dir.put("b.json", state_with("2"));
  fake_world world;
  world.script("instance_1").hold_after_first_delta = true;
  fleet f(watched(dir), world.factory());
  f.start();
  REQUIRE(f.wait_settled(10s));
  collector events;
  f.api().submit(make_request("inflight"), events.sink("inflight"));
  REQUIRE(events.wait_for<request_delta>("inflight"));
  REQUIRE(events.all<request_assigned>("inflight").back().instance_id == "instance_1");
  fs::remove(a);
  f.poll_auth_dir();
  // Still there (stopping) while its request runs; no new work goes to it.
  REQUIRE(eventually([&] { return view(f, "instance_1").status == instance_status::stopping; }));
  f.api().submit(make_request("other"), events.sink("other"));
  REQUIRE(events.wait_done("other"));
  CHECK(events.all<request_finished>("other").at(0).instance_id == "instance_2");
  CHECK(has_instance(f, "instance_1"));
  world.release("instance_1");
  REQUIRE(events.wait_done("inflight"));
  CHECK(events.all<request_finished>("inflight").size() == 1);
  REQUIRE(eventually([&] { return !has_instance(f, "instance_1"); }));
  CHECK(world.with("instance_1", [](fake_script& s) { return s.closes; }) == 1);
  // The removed file is never written back, even at shutdown.
  f.shutdown(1s);
  CHECK_FALSE(fs::exists(a));
}

TEST_CASE("watch: a file changed by someone else restarts its instance, our own write does not") {
  auth_dir dir;
  auto a = dir.put("a.json", state_with("1"));
  fake_world world;
  world.script("instance_1").storage_json = state_with("refreshed");
  auto o = watched(dir);
  o.timing.refresh_interval = 100ms;
  fleet f(o, world.factory());
  f.start();
  REQUIRE(f.wait_settled(10s));
  // The refresh writes the browser's session back.
  REQUIRE(eventually([&] {
    auto t = read_whole_file(a);
    return t && t->find("refreshed") != std::string::npos;
  }));
  for (int i = 0; i < 3; ++i) f.poll_auth_dir();
  CHECK(world.with("instance_1", [](fake_script& s) { return s.starts; }) == 1);
  // Someone else (camoufleet login --activate) puts a new session there.
  world.with("instance_1", [](fake_script& s) { return s.storage_json = state_with("new-login"); });
  REQUIRE(write_file_atomic(a, state_with("new-login-from-user")) == "");
  f.poll_auth_dir();
  REQUIRE(world.wait("instance_1", [](fake_script& s) { return s.starts == 2; }));
  REQUIRE(eventually([&] { return view(f, "instance_1").status == instance_status::ready; }));
  f.shutdown(1s);
}

TEST_CASE("refresh: only an idle ready instance writes, valid and 0600, shutdown writes too") {
  auth_dir dir;
  auto a = dir.put("a.json", state_with("1"));
  ::chmod(a.c_str(), 0644);
  fake_world world;
  world.script("instance_1").storage_json = "{\"cookies\":[]}";  // no cookies: never written
  auto o = watched(dir);
  o.timing.refresh_interval = 50ms;
  fleet f(o, world.factory());
  f.start();
  REQUIRE(f.wait_settled(10s));
  REQUIRE(world.wait("instance_1", [](fake_script& s) { return s.storage_reads >= 2; }));
  CHECK(read_whole_file(a).value() == state_with("1"));
  world.with("instance_1", [](fake_script& s) { return s.storage_json = state_with("at-stop"); });
  // A long refresh interval now cannot matter: shutdown saves.
  f.shutdown(1s);
  auto text = read_whole_file(a);
  REQUIRE(text.has_value());
  CHECK(text->find("at-stop") != std::string::npos);
  struct stat sb {};
  REQUIRE(::stat(a.c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0600);
}

TEST_CASE("needs_login: the reason names the profile file and the fix command") {
  auth_dir dir;
  dir.put("alice.json", state_with("1"));
  fake_world world;
  world.script("instance_1").start_failure = core::failure_kind::login_lost;
  fleet f(watched(dir), world.factory());
  f.start();
  REQUIRE(f.wait_settled(10s));
  auto v = view(f, "instance_1");
  CHECK(v.status == instance_status::needs_login);
  CHECK(v.reason == "login lost for alice.json: run camoufleet login --save-as alice --activate");
  // The fixed login arrives as a rewritten file.
  world.with("instance_1", [](fake_script& s) { s.start_failure.reset(); return 0; });
  dir.put("alice.json", state_with("fresh"));
  f.poll_auth_dir();
  REQUIRE(eventually([&] { return view(f, "instance_1").status == instance_status::ready; }));
  CHECK(view(f, "instance_1").reason.empty());
  f.shutdown(1s);
}

TEST_CASE("broken profile: error with its reason, no restart loop, others serve, a fix restarts") {
  auth_dir dir;
  dir.put("a.json", state_with("1"));
  dir.put("b.json", "{broken");
  fake_world world;
  world.script("instance_2").start_failure = core::failure_kind::invalid_profile;
  auto o = watched(dir);
  fleet f(o, world.factory());
  f.start();
  REQUIRE(f.wait_settled(10s));
  auto v = view(f, "instance_2");
  CHECK(v.status == instance_status::error);
  CHECK(v.reason == "scripted start failure");
  CHECK(view(f, "instance_1").status == instance_status::ready);
  // Several backoffs (100 ms) and health rounds later it has not retried.
  for (int i = 0; i < 5; ++i) {
    f.check_health();
    f.snapshot(2s);
  }
  std::this_thread::sleep_for(300ms);  // not a sync: proves the absence of retries
  CHECK(world.with("instance_2", [](fake_script& s) { return s.starts; }) == 1);
  collector events;
  f.api().submit(make_request("r"), events.sink("r"));
  REQUIRE(events.wait_done("r"));
  CHECK(events.all<request_finished>("r").at(0).instance_id == "instance_1");
  world.with("instance_2", [](fake_script& s) { s.start_failure.reset(); return 0; });
  dir.put("b.json", state_with("2"));
  f.poll_auth_dir();
  REQUIRE(eventually([&] { return view(f, "instance_2").status == instance_status::ready; }));
  f.shutdown(1s);
}

TEST_CASE("cancel: a cancel during the model switch stops the request before the answer") {
  fake_world world;
  world.script("instance_1").hold_in_switch_model = true;
  fleet f(small_fleet_options(1), world.factory());
  f.start();
  REQUIRE(f.wait_settled(10s));
  collector events;
  f.api().submit(make_request("c", "hi", "gemini-2.5-flash"), events.sink("c"));
  REQUIRE(world.wait("instance_1", [](fake_script& s) { return s.switches == 1; }));
  std::mutex mu;
  std::condition_variable cv;
  std::optional<bool> cancelled;
  f.api().cancel("c", [&](bool ok) {
    std::lock_guard<std::mutex> lock(mu);
    cancelled = ok;
    cv.notify_all();
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    REQUIRE(cv.wait_for(lock, 5s, [&] { return cancelled.has_value(); }));
  }
  CHECK(*cancelled);
  world.release("instance_1");
  REQUIRE(events.wait_done("c"));
  auto failed = events.all<request_failed>("c");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::cancelled);
  CHECK(events.all<request_delta>("c").empty());
  CHECK(world.with("instance_1", [](fake_script& s) { return s.generates; }) == 0);
  // The instance is fine and serves the next one.
  REQUIRE(eventually([&] { return view(f, "instance_1").status == instance_status::ready; }));
  world.with("instance_1", [](fake_script& s) { return s.hold_in_switch_model = false; });
  f.api().submit(make_request("next"), events.sink("next"));
  REQUIRE(events.wait_done("next"));
  CHECK(events.all<request_finished>("next").size() == 1);
  f.shutdown(1s);
}

TEST_CASE("watch: a profile changed while busy restarts only after the request ends") {
  auth_dir dir;
  auto a = dir.put("a.json", state_with("1"));
  fake_world world;
  world.script("instance_1").hold_after_first_delta = true;
  fleet f(watched(dir), world.factory());
  f.start();
  REQUIRE(f.wait_settled(10s));
  collector events;
  f.api().submit(make_request("busy"), events.sink("busy"));
  REQUIRE(events.wait_for<request_delta>("busy"));
  REQUIRE(write_file_atomic(a, state_with("new-login")) == "");
  f.poll_auth_dir();
  // The restart waits for the answer, which is not cut off.
  CHECK(view(f, "instance_1").status == instance_status::busy);
  CHECK(world.with("instance_1", [](fake_script& s) { return s.starts; }) == 1);
  world.release("instance_1");
  REQUIRE(events.wait_done("busy"));
  CHECK(events.all<request_finished>("busy").size() == 1);
  REQUIRE(world.wait("instance_1", [](fake_script& s) { return s.starts == 2; }));
  REQUIRE(eventually([&] { return view(f, "instance_1").status == instance_status::ready; }));
  f.shutdown(1s);
}
