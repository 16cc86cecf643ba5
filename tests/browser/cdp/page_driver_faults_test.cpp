// The page driver meeting the site's and the browser's faults (rate limit,
// error answer, hang, dropped connection, lost login, killed browser, close,
// no stream to read), on the real browser and simulator; the cases of
// page_driver_test.cpp's fixture (driver_fixture.hpp), in the same binary.

#include "driver_fixture.hpp"
#include "tests/bidi/content_process.hpp"

using namespace driver_test;

TEST_CASE("driver: a rate limit is rate_limited") {
  sim_fixture f;
  auto s = f.start("alice");
  f.sim.set_faults({{"rate_limit_after", 0}});
  collected c;
  CHECK(kind_of([&] { s->page().generate(ask("hi"), {}, c.fn(), 15s); }) ==
        failure_kind::rate_limited);
  CHECK(f.last_request()["status"] == "rate_limited");
}

TEST_CASE("driver: an error answer is site_error") {
  sim_fixture f;
  auto s = f.start("alice");
  f.sim.set_faults({{"error", true}});
  collected c;
  CHECK(kind_of([&] { s->page().generate(ask("hi"), {}, c.fn(), 15s); }) ==
        failure_kind::site_error);
}

TEST_CASE("driver: a hanging answer is a timeout, and the request is let go") {
  sim_fixture f;
  auto s = f.start("alice");
  f.sim.set_faults({{"hang", true}});
  collected c;
  auto t0 = std::chrono::steady_clock::now();
  CHECK(kind_of([&] { s->page().generate(ask("hi"), {}, c.fn(), 2s); }) == failure_kind::timeout);
  CHECK(std::chrono::steady_clock::now() - t0 < 8s);
  CHECK(wait_until([&] { return f.last_request()["status"] == "aborted"; }, 5s));
}

TEST_CASE("driver: a dropped connection is an error, not a hang") {
  sim_fixture f;
  auto s = f.start("alice");
  f.sim.set_faults({{"drop_after_tokens", 3}});
  collected c;
  auto t0 = std::chrono::steady_clock::now();
  auto k = kind_of([&] { s->page().generate(ask("hi there"), {}, c.fn(), 20s); });
  CHECK(k == failure_kind::site_error);
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
}

TEST_CASE("driver: a login lost between requests is login_lost") {
  sim_fixture f;
  auto s = f.start("alice");
  f.sim.set_faults({{"account", "alice"}, {"login_expired", true}});
  collected c;
  CHECK(kind_of([&] { s->page().generate(ask("hi"), {}, c.fn(), 15s); }) ==
        failure_kind::login_lost);
}

TEST_CASE("driver: a killed browser reports its exit and fails a running generate promptly") {
  sim_fixture f;
  f.sim.set_pacing({{"token_ms", 200}, {"tokens", 100}});
  auto s = f.start("alice");
  const int pid = s->info().pid;
  std::atomic<bool> started{false};
  std::thread killer([&] {
    if (wait_until([&] { return started.load(); }, 15s)) ::kill(pid, SIGKILL);
  });
  auto t0 = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration after_kill{};
  auto k = kind_of([&] {
    s->page().generate(
        ask("long answer"), {}, [&](const delta&) { started = true; }, 60s);
  });
  after_kill = std::chrono::steady_clock::now() - t0;
  killer.join();
  CHECK(k == failure_kind::browser_gone);
  CHECK(after_kill < 10s);
  CHECK(wait_until([&] { return f.exits->count() == 1; }, 5s));
  CHECK_FALSE(s->page().ping(500ms));
  s->close(2s);
  CHECK(f.exits->count() == 1);
}

namespace {

// Chromium's renderer of the profile's one tab (no spare renderer is kept):
// the browser runs in a process group of its own.
int chromium_renderer(int browser_pid) {
  for (int pid : testing::group_pids(browser_pid)) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string cmd;
    std::getline(in, cmd);  // does not throw if the process just exited
    if (cmd.find("--type=renderer") != std::string::npos) return pid;
  }
  return 0;
}

}  // namespace

// The tab's loss while the browser lives on: on Firefox heard through
// bidi::tab_watch, on Chromium through cdp_transport's crash watch.
TEST_CASE("driver: a killed renderer (content process) reports the tab's loss and fails a running generate promptly") {
  sim_fixture f;
  f.sim.set_pacing({{"token_ms", 200}, {"tokens", 100}});
  auto s = f.start("alice");
  const int pid = s->info().pid;
  std::atomic<bool> started{false};
  std::atomic<int> victim{0};
  std::atomic<std::chrono::steady_clock::rep> killed_at{0};
  // Firefox: the tab streaming the answer is the content process whose CPU
  // time grows. Chromium: the one renderer.
  std::thread killer([&] {
    if (!wait_until([&] { return started.load(); }, 15s)) return;
    const auto before = bidi::testing::content_process_ticks(pid);
    int found = 0;
    wait_until([&] {
      found = testing::firefox_kind() ? bidi::testing::busiest_content_process(pid, before, 10)
                                      : chromium_renderer(pid);
      return found != 0;
    }, 15s);
    if (found == 0) return;
    killed_at = std::chrono::steady_clock::now().time_since_epoch().count();
    ::kill(found, SIGKILL);
    victim = found;
  });
  auto k = kind_of([&] {
    s->page().generate(
        ask("long answer"), {}, [&](const delta&) { started = true; }, 60s);
  });
  const auto ended = std::chrono::steady_clock::now();
  killer.join();
  REQUIRE(victim != 0);
  const auto after_kill = ended - std::chrono::steady_clock::time_point(
                                      std::chrono::steady_clock::duration(killed_at.load()));
  MESSAGE("generate failed " << std::chrono::duration_cast<std::chrono::milliseconds>(after_kill).count()
                             << " ms after the kill");
  CHECK(k == failure_kind::browser_gone);
  CHECK(after_kill < 10s);
  CHECK(wait_until([&] { return f.exits->count() == 1; }, 5s));
  {
    std::lock_guard<std::mutex> lock(f.exits->mu);
    const auto& why = f.exits->reasons;
    CHECK((!why.empty() && why.front().find("tab crashed") != std::string::npos));
  }
  CHECK(process_alive(pid));  // the browser itself lives on
  s->close(2s);
  CHECK(f.exits->count() == 1);
}

TEST_CASE("driver: close stops the browser, removes its profile dir, reports no exit") {
  sim_fixture f;
  auto s = f.start("alice");
  const int pid = s->info().pid;
  REQUIRE(process_alive(pid));
  s->close(3s);
  CHECK(wait_until([&] { return !process_alive(pid); }, 5s));
  // Only the sim's profile files are left in the temp dir: no browser profile.
  int dirs = 0;
  for (const auto& e : std::filesystem::directory_iterator(f.dir.path()))
    if (e.is_directory()) ++dirs;
  CHECK(dirs == 0);
  CHECK(f.exits->count() == 0);
}

namespace {

// A browser whose driver is told a wrong answer request: it finds no stream
// to read and follows the answer in the DOM.
std::unique_ptr<session> start_without_stream(sim_fixture& f, const temp_dir& site_dir) {
  auto o = f.options("alice");
  o.site_file = site_file_with(site_dir, [](json& d) {
    d["rpc"]["generate_content"] = "NoSuchEndpoint";
    d["timeouts_ms"]["stream_start"] = 200;
  });
  return f.start(o);
}

}  // namespace

TEST_CASE("driver: the DOM fallback yields the exact answer when the stream is not found") {
  sim_fixture f;
  temp_dir site_dir{"camoufleet-site-"};
  auto s = start_without_stream(f, site_dir);
  auto& page = dynamic_cast<site::chat_page&>(s->page());
  f.sim.set_pacing({{"token_ms", 30}});
  collected c;
  auto r = page.generate(ask("fallback words here"), {}, c.fn(), 20s);
  CHECK_FALSE(page.last_generate_streamed());
  sim::answer_input in;
  in.thinking = true;
  auto want = expected("fallback words here", in);
  CHECK(r.content == want.text());
  CHECK(r.reasoning == want.reasoning());
  CHECK(c.text == want.text());
  CHECK(c.deltas.size() >= 2);
  // Errors are still seen through the page alone.
  f.sim.set_faults({{"rate_limit_after", 0}});
  auto k = kind_of([&] { page.generate(ask("hi"), {}, c.fn(), 15s); });
  CHECK((k == failure_kind::quota_exceeded || k == failure_kind::rate_limited));
}

// Native function calling with the answer followed in the DOM: the calls
// are the ones the turn shows (FACTS 5: `ms-function-call-chunk`).
TEST_CASE("driver: the DOM fallback reads the function calls the answer turn shows") {
  sim_fixture f;
  temp_dir site_dir{"camoufleet-site-"};
  auto s = start_without_stream(f, site_dir);
  auto& page = dynamic_cast<site::chat_page&>(s->page());
  generation_params p;
  p.function_declarations = json::array({{{"name", "get_weather"},
                                          {"description", "The weather in a city"},
                                          {"parameters",
                                           {{"type", "object"},
                                            {"properties", {{"city", {{"type", "string"}}}}}}}},
                                         {{"name", "get_time"}}})
                                .dump();
  collected c;
  const json args = {{"city", "Paris"},
                     {"days", 3},
                     {"hourly", true},
                     {"fields", {"temp", "wind"}},
                     {"where", {{"lat", 48.5}, {"near", nullptr}}}};
  auto r = page.generate(ask("call get_weather " + args.dump() + " call get_time {}"), p, c.fn(),
                         30s);
  CHECK_FALSE(page.last_generate_streamed());
  CHECK(f.last_request()["tools"] == json::array({"get_weather", "get_time"}));
  CHECK(r.finish_reason == "tool_calls");
  REQUIRE(r.tool_calls.size() == 2);
  CHECK(r.tool_calls[0].name == "get_weather");
  CHECK(json::parse(r.tool_calls[0].arguments) == args);
  CHECK(r.tool_calls[1].name == "get_time");
  CHECK(json::parse(r.tool_calls[1].arguments) == json::object());
  CHECK(r.content.empty());
}
