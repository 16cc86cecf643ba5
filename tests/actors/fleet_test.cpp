// Actor tests: the real instance/balancer/monitor actors on CAF's normal
// scheduler, with fake browser sessions behind the real cdp interfaces.
// Every wait has a deadline; nothing relies on a fixed sleep.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "actor_test_support.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;

TEST_CASE("fleet: all instances start and report ready with their profile") {
  fleet_fixture fx(3);
  REQUIRE(fx.f->wait_settled(10s));
  auto v = fx.f->snapshot(2s);
  CHECK(v.multi_instance_mode);
  REQUIRE(v.instances.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(v.instances[i].id == "instance_" + std::to_string(i + 1));
    CHECK(v.instances[i].status == instance_status::ready);
    CHECK(v.instances[i].auth_file == "profile_" + std::to_string(i + 1) + ".json");
    CHECK(v.instances[i].port == 9222 + i);
  }
}

TEST_CASE("fleet: 9 sequential requests over 3 instances go 3 each in LRU order") {
  fleet_fixture fx(3);
  REQUIRE(fx.f->wait_settled(10s));
  std::vector<std::string> order;
  for (int i = 0; i < 9; ++i) {
    auto id = "req-" + std::to_string(i);
    fx.f->api().submit(make_request(id, "q" + std::to_string(i)), fx.events.sink(id));
    REQUIRE(fx.events.wait_done(id));
    auto fin = fx.events.all<request_finished>(id);
    REQUIRE(fin.size() == 1);
    CHECK(fin[0].content == "Hello");
    CHECK(fin[0].finish_reason == "stop");
    order.push_back(fin[0].instance_id);
  }
  std::vector<std::string> expected;
  for (int r = 0; r < 3; ++r)
    for (const char* id : {"instance_1", "instance_2", "instance_3"}) expected.push_back(id);
  CHECK(order == expected);
  // The view catches up with the last finish a moment after the client saw it.
  CHECK(eventually([&] {
    auto v = fx.f->snapshot(2s);
    return v.instances.size() == 3 &&
           std::all_of(v.instances.begin(), v.instances.end(),
                       [](const instance_view& i) { return i.served == 3; });
  }));
  // Each answer's chat is cleared right after it, so no request waited for
  // a New chat before its prompt.
  CHECK(fx.world.wait("instance_1", [](fake_script& s) { return s.new_chats == 3; }));
  CHECK(fx.world.with("instance_1", [](fake_script& s) { return s.new_chats_at_generate; }) ==
        std::vector<int>{0, 1, 2});
}

TEST_CASE("fleet: a chat that could not be cleared after its answer is cleared before the next prompt") {
  fleet_fixture fx(1, {}, [](fake_world& w) { w.script("instance_1").new_chat_failures = 1; });
  REQUIRE(fx.f->wait_settled(10s));
  for (const char* id : {"r1", "r2"}) {
    fx.f->api().submit(make_request(id, id), fx.events.sink(id));
    REQUIRE(fx.events.wait_done(id));
    auto fin = fx.events.all<request_finished>(id);
    REQUIRE(fin.size() == 1);
    CHECK(fin[0].content == "Hello");
  }
  // The first answer's clearing (call 1) fails; the second request then
  // clears (call 2) before its prompt, and after its answer (call 3).
  CHECK(fx.world.wait("instance_1", [](fake_script& s) { return s.new_chats == 3; }));
  CHECK(fx.world.with("instance_1", [](fake_script& s) { return s.new_chats_at_generate; }) ==
        std::vector<int>{0, 2});
}

TEST_CASE("fleet: events arrive in order: assigned, deltas, finished") {
  fleet_fixture fx(1, {}, [](fake_world& w) { w.script("instance_1").deltas = {"a", "b", "c"}; });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("r1"), fx.events.sink("r1"));
  REQUIRE(fx.events.wait_done("r1"));
  auto ev = fx.events.events("r1");
  REQUIRE(ev.size() == 5);
  CHECK(std::holds_alternative<request_assigned>(ev[0]));
  CHECK(std::get<request_delta>(ev[1]).content == "a");
  CHECK(std::get<request_delta>(ev[2]).content == "b");
  CHECK(std::get<request_delta>(ev[3]).content == "c");
  CHECK(std::get<request_finished>(ev[4]).content == "abc");
}

TEST_CASE("fleet: a full queue refuses with queue_full and Retry-After") {
  fleet_fixture fx(1, [](fleet_options& o) { o.queue_limit = 1; },
                   [](fake_world& w) { w.script("instance_1").hold_after_first_delta = true; });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("running"), fx.events.sink("running"));
  REQUIRE(fx.events.wait_for<request_delta>("running"));
  fx.f->api().submit(make_request("queued"), fx.events.sink("queued"));
  REQUIRE(eventually([&] { return fx.f->snapshot(2s).queue.size() == 1; }));
  fx.f->api().submit(make_request("refused"), fx.events.sink("refused"));
  REQUIRE(fx.events.wait_done("refused"));
  auto failed = fx.events.all<request_failed>("refused");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::queue_full);
  CHECK(failed[0].retry_after_s > 0);
  CHECK(fx.events.all<request_assigned>("refused").empty());

  auto v = fx.f->snapshot(2s);
  CHECK(v.queue_limit == 1);
  REQUIRE(v.queue.size() == 1);
  CHECK(v.queue[0].request_id == "queued");

  fx.world.release("instance_1");
  REQUIRE(fx.events.wait_done("running"));
  REQUIRE(fx.world.wait("instance_1", [](fake_script& s) { return s.generates == 2; }));
  fx.world.release("instance_1");
  REQUIRE(fx.events.wait_done("queued"));
  CHECK(fx.events.all<request_finished>("running").size() == 1);
  CHECK(fx.events.all<request_finished>("queued").size() == 1);
}

TEST_CASE("fleet: a request that waits too long fails with queue_timeout") {
  fleet_fixture fx(1, [](fleet_options& o) { o.timing.queue_timeout = 200ms; },
                   [](fake_world& w) { w.script("instance_1").hold_after_first_delta = true; });
  REQUIRE(fx.f->wait_settled(10s));
  fx.f->api().submit(make_request("running"), fx.events.sink("running"));
  REQUIRE(fx.events.wait_for<request_delta>("running"));
  fx.f->api().submit(make_request("waiting"), fx.events.sink("waiting"));
  REQUIRE(fx.events.wait_done("waiting"));
  auto failed = fx.events.all<request_failed>("waiting");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::queue_timeout);
  CHECK(failed[0].retry_after_s > 0);
  CHECK(fx.f->snapshot(2s).queue.empty());
  fx.world.release("instance_1");
  REQUIRE(fx.events.wait_done("running"));
  CHECK(fx.events.all<request_finished>("running").size() == 1);
}

TEST_CASE("fleet: parallel start, a bad profile leaves its instance in error, others serve") {
  fleet_fixture fx(3, {}, [](fake_world& w) {
    w.start_barrier = 3;
    w.script("instance_2").start_failure = core::failure_kind::browser_gone;
  });
  REQUIRE(fx.f->wait_settled(10s));
  {
    std::lock_guard<std::mutex> lock(fx.world.mu);
    CHECK(fx.world.max_parallel_starts == 3);
  }
  auto bad = fx.view_of("instance_2");
  CHECK((bad.status == instance_status::error || bad.status == instance_status::starting));
  CHECK(bad.error_count >= 1);
  CHECK(bad.reason.find("scripted start failure") != std::string::npos);
  CHECK(fx.status_of("instance_1") == instance_status::ready);
  CHECK(fx.status_of("instance_3") == instance_status::ready);
  for (int i = 0; i < 4; ++i) {
    auto id = "r" + std::to_string(i);
    fx.f->api().submit(make_request(id), fx.events.sink(id));
    REQUIRE(fx.events.wait_done(id));
    CHECK(fx.events.all<request_finished>(id).size() == 1);
    CHECK(assigned_to(fx.events, id) != "instance_2");
  }
}

TEST_CASE("fleet: models are aggregated, an unknown model is refused") {
  fleet_fixture fx(2, {}, [](fake_world& w) {
    w.script("instance_2").models = {{"gemini-2.5-pro", "Gemini 2.5 Pro"},
                                     {"gemini-exp", "Experimental"}};
  });
  REQUIRE(fx.f->wait_settled(10s));
  std::vector<std::string> ids;
  REQUIRE(eventually([&] {
    std::mutex mu;
    std::condition_variable cv;
    bool got = false;
    std::vector<core::model_info> models;
    fx.f->api().models([&](const std::vector<core::model_info>& m) {
      std::lock_guard<std::mutex> lock(mu);
      models = m;
      got = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, 2s, [&] { return got; });
    ids.clear();
    for (auto& m : models) ids.push_back(m.id);
    return ids.size() == 3;
  }));
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"gemini-2.5-flash", "gemini-2.5-pro", "gemini-exp"});

  fx.f->api().submit(make_request("bad", "hi", "gpt-4o"), fx.events.sink("bad"));
  REQUIRE(fx.events.wait_done("bad"));
  auto failed = fx.events.all<request_failed>("bad");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::unknown_model);

  fx.f->api().submit(make_request("good", "hi", "models/gemini-exp"), fx.events.sink("good"));
  REQUIRE(fx.events.wait_done("good"));
  auto fin = fx.events.all<request_finished>("good");
  REQUIRE(fin.size() == 1);
  CHECK(fin[0].model == "gemini-exp");
}

TEST_CASE("fleet: the gateway's fleet view comes back through a callback") {
  fleet_fixture fx(2);
  REQUIRE(fx.f->wait_settled(10s));
  std::mutex mu;
  std::condition_variable cv;
  std::optional<fleet_view> got;
  fx.f->api().fleet([&](const fleet_view& v) {
    std::lock_guard<std::mutex> lock(mu);
    got = v;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  REQUIRE(cv.wait_for(lock, 5s, [&] { return got.has_value(); }));
  CHECK(got->instances.size() == 2);
  CHECK(got->queue_limit == 10);
}

TEST_CASE("fleet: shutdown lets running requests finish, refuses new ones, closes browsers") {
  fake_world world;
  collector events;
  auto o = small_fleet_options(2);
  world.script("instance_1").hold_after_first_delta = true;
  fleet f(o, world.factory());
  f.start();
  REQUIRE(f.wait_settled(10s));
  f.api().submit(make_request("running"), events.sink("running"));
  REQUIRE(events.wait_for<request_delta>("running"));
  std::thread releaser([&] {
    // Lets the request finish while shutdown is already draining.
    world.wait("instance_1", [](fake_script& s) { return s.generates == 1; });
    world.release("instance_1");
  });
  f.shutdown(5s);
  releaser.join();
  REQUIRE(events.wait_done("running"));
  CHECK(events.all<request_finished>("running").size() == 1);
  CHECK(world.with("instance_1", [](fake_script& s) { return s.closes; }) == 1);
  CHECK(world.with("instance_2", [](fake_script& s) { return s.closes; }) == 1);
}

TEST_CASE("fleet: a draining fleet refuses new requests with shutting_down") {
  fake_world world;
  collector events;
  auto o = small_fleet_options(1);
  world.script("instance_1").hold_after_first_delta = true;
  fleet f(o, world.factory());
  f.start();
  REQUIRE(f.wait_settled(10s));
  f.api().submit(make_request("running"), events.sink("running"));
  REQUIRE(events.wait_for<request_delta>("running"));
  std::thread stopper([&] { f.shutdown(5s); });
  // Until the drain has begun a late request queues (and then fails with
  // shutting_down when the drain starts); after it, it is refused at once.
  bool refused = false;
  for (int n = 0; n < 50 && !refused; ++n) {
    auto id = "late-" + std::to_string(n);
    f.api().submit(make_request(id), events.sink(id));
    REQUIRE(events.wait_done(id));
    auto failed = events.all<request_failed>(id);
    REQUIRE(failed.size() == 1);
    refused = failed[0].code == error_code::shutting_down;
    CHECK(events.all<request_finished>(id).empty());
  }
  CHECK(refused);
  world.release("instance_1");
  stopper.join();
  REQUIRE(events.wait_done("running"));
  CHECK(events.all<request_finished>("running").size() == 1);
  // After shutdown the gateway answers at once, without actors.
  f.api().submit(make_request("after"), events.sink("after"));
  REQUIRE(events.wait_done("after", 1s));
  CHECK(events.all<request_failed>("after").at(0).code == error_code::shutting_down);
}

TEST_CASE("fleet: discover_auth_files lists sorted json files only") {
  namespace fs = std::filesystem;
  // mkdtemp: a directory left by a killed run is never reused.
  std::string templ = (fs::temp_directory_path() / "camoufleet-auth-XXXXXX").string();
  REQUIRE(::mkdtemp(templ.data()) != nullptr);
  const fs::path dir = templ;
  struct cleanup {
    fs::path p;
    ~cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } guard{dir};
  for (auto name : {"b.json", "a.json", "notes.txt", "c.json.bak"})
    std::ofstream(dir / name) << "{}";
  fs::create_directories(dir / "sub.json");
  auto files = discover_auth_files(dir.string());
  REQUIRE(files.size() == 2);
  CHECK(fs::path(files[0]).filename() == "a.json");
  CHECK(fs::path(files[1]).filename() == "b.json");
  CHECK(discover_auth_files((dir / "missing").string()).empty());
}

TEST_CASE("fleet: once a request has its answer or its error, the fleet view already shows the state it left") {
  // The instance publishes its new state before it sends the answer and the
  // outcome, so whoever asks after holding either (a client reading
  // /v1/instances) is answered after that state arrived: no waiting.
  fleet_fixture fx(1, [](fleet_options& o) { o.timing.rate_limit_cooldown = 60s; });
  REQUIRE(fx.f->wait_settled(10s));
  for (int i = 1; i <= 20; ++i) {
    const auto id = "r" + std::to_string(i);
    fx.f->api().submit(make_request(id), fx.events.sink(id));
    REQUIRE(fx.events.wait_done(id));
    REQUIRE(fx.events.all<request_finished>(id).size() == 1);
    const auto v = fx.view_of("instance_1");
    CHECK(v.served == i);
    CHECK(v.status == instance_status::ready);
  }
  fx.world.with("instance_1", [](fake_script& s) {
    s.fail_before_delta = core::failure_kind::rate_limited;
    s.fail_once = true;
    return 0;
  });
  fx.f->api().submit(make_request("limited"), fx.events.sink("limited"));
  REQUIRE(fx.events.wait_done("limited"));
  auto failed = fx.events.all<request_failed>("limited");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].code == error_code::rate_limited);
  CHECK(fx.status_of("instance_1") == instance_status::cooldown);
}
