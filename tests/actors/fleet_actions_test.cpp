// The dashboard's actions on a real fleet of actors over fake sessions: out
// of rotation and back, a restart by hand, and the counters the instances
// keep for /metrics (restarts, errors by kind, browser pid).
#include <doctest/doctest.h>

#include <atomic>

#include "actor_test_support.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;

namespace {

// Calls an action and waits for its answer.
bool answer_of(const std::function<void(std::function<void(bool)>)>& action) {
  auto done = std::make_shared<std::atomic<int>>(-1);
  action([done](bool ok) { done->store(ok ? 1 : 0); });
  REQUIRE(eventually([&] { return done->load() >= 0; }));
  return done->load() == 1;
}

std::string served_by(fleet_fixture& fx, const std::string& id) {
  fx.f->api().submit(make_request(id), fx.events.sink(id));
  REQUIRE(fx.events.wait_done(id));
  auto fin = fx.events.all<request_finished>(id);
  REQUIRE(fin.size() == 1);
  return fin[0].instance_id;
}

}  // namespace

TEST_CASE("fleet: an instance taken out of rotation gets nothing new until it is put back") {
  fleet_fixture fx(2);
  REQUIRE(fx.f->wait_settled(10s));
  auto& api = fx.f->api();
  CHECK(answer_of([&](auto done) { api.set_rotation("instance_1", false, done); }));
  CHECK_FALSE(answer_of([&](auto done) { api.set_rotation("instance_9", false, done); }));
  CHECK_FALSE(fx.view_of("instance_1").in_rotation);
  CHECK(fx.view_of("instance_2").in_rotation);
  for (int i = 0; i < 3; ++i) CHECK(served_by(fx, "out-" + std::to_string(i)) == "instance_2");
  CHECK(answer_of([&](auto done) { api.set_rotation("instance_1", true, done); }));
  CHECK(fx.view_of("instance_1").in_rotation);
  // Least recently used again: instance_1 has served nothing yet.
  CHECK(served_by(fx, "back") == "instance_1");
}

TEST_CASE("fleet: a restart by hand starts a fresh browser and is counted") {
  fleet_fixture fx(2);
  REQUIRE(fx.f->wait_settled(10s));
  auto& api = fx.f->api();
  CHECK(fx.view_of("instance_1").restarts == 0);
  CHECK(answer_of([&](auto done) { api.restart("instance_1", done); }));
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.starts == 2; }));
  REQUIRE(eventually([&] { return fx.status_of("instance_1") == instance_status::ready; }));
  CHECK(fx.view_of("instance_1").restarts == 1);
  CHECK(fx.view_of("instance_1").errors.empty());
  CHECK_FALSE(answer_of([&](auto done) { api.restart("instance_9", done); }));
  CHECK(served_by(fx, "after-restart").rfind("instance_", 0) == 0);
}

TEST_CASE("fleet: a crashed browser shows in the errors by kind and the restarts") {
  fleet_fixture fx(1);
  REQUIRE(fx.f->wait_settled(10s));
  fx.world.kill("instance_1");
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.starts == 2; }));
  REQUIRE(eventually([&] { return fx.status_of("instance_1") == instance_status::ready; }));
  const auto v = fx.view_of("instance_1");
  CHECK(v.restarts == 1);
  REQUIRE(v.errors.count("browser_gone") == 1);
  CHECK(v.errors.at("browser_gone") == 1);
}

namespace {

screenshot_reply screenshot_of(fleet_fixture& fx, const std::string& id) {
  return answer_from<screenshot_reply>([&](auto done) { fx.f->api().screenshot(id, done); });
}

}  // namespace

TEST_CASE("fleet: a screenshot comes from the instance's page, even while it is busy") {
  fleet_fixture fx(2, {}, [](fake_world& w) { w.script("instance_1").hold_after_first_delta = true; });
  REQUIRE(fx.f->wait_settled(10s));
  auto idle = screenshot_of(fx, "instance_2");
  CHECK(idle.status == screenshot_status::ok);
  CHECK(idle.png == "\x89PNG fake of instance_2");

  // instance_1 is stuck inside a generation: its picture still comes.
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.generates == 1; }));
  auto busy = screenshot_of(fx, "instance_1");
  CHECK(busy.status == screenshot_status::ok);
  CHECK(busy.png == "\x89PNG fake of instance_1");
  CHECK(fx.status_of("instance_1") == instance_status::busy);
  fx.world.release("instance_1");
  REQUIRE(fx.events.wait_done("r1"));
  CHECK(fx.events.all<request_finished>("r1").size() == 1);
}

TEST_CASE("fleet: a screenshot says why there is none") {
  fleet_fixture fx(2, {}, [](fake_world& w) {
    w.script("instance_1").screenshot_fails = true;
    w.script("instance_2").start_failure = core::failure_kind::login_lost;
  });
  REQUIRE(fx.f->wait_settled(10s));
  auto unknown = screenshot_of(fx, "instance_9");
  CHECK(unknown.status == screenshot_status::unknown_instance);
  auto failed = screenshot_of(fx, "instance_1");
  CHECK(failed.status == screenshot_status::failed);
  CHECK(failed.message.find("no picture") != std::string::npos);
  REQUIRE(eventually([&] { return fx.status_of("instance_2") == instance_status::needs_login; }));
  auto none = screenshot_of(fx, "instance_2");
  CHECK(none.status == screenshot_status::no_page);
  CHECK(fx.world.with("instance_2", [](fake_script& s) { return s.screenshots; }) == 0);
}
