// The page driver's ways in and out: a profile given back by storage_state,
// attaching to a running browser, a visible browser on a virtual display, a
// profile's localStorage; the real browser and simulator, the fixture of
// driver_fixture.hpp.

#include "driver_fixture.hpp"

using namespace driver_test;

TEST_CASE("driver: storage_state gives the session back as a loadable profile") {
  sim_fixture f;
  auto s = f.start("alice");
  auto text = s->page().storage_state();
  auto st = parse_storage_state(text, "refreshed");
  bool has_sid = false;
  for (const auto& c : st.cookies)
    has_sid = has_sid || (c.name == "SID" && c.domain == "127.0.0.1");
  CHECK(has_sid);
  REQUIRE(st.origins.size() == 1);
  CHECK(st.origins[0].origin == f.sim.base_url());
  bool has_pref = false;
  for (const auto& [k, v] : st.origins[0].local_storage)
    has_pref = has_pref || k == "aiStudioUserPreference";
  CHECK(has_pref);
  // The refreshed profile logs in by itself.
  std::ofstream(f.dir.file("refreshed.json")) << text;
  auto s2 = f.start("refreshed");
  CHECK(s2->page().ping(2s));
}

TEST_CASE("driver: attach to a running browser through its ws endpoint") {
  sim_fixture f;
  auto owner = f.start("alice");  // a browser someone else launched
  auto o = f.options("bob");
  o.ws_endpoint = owner->info().ws_endpoint;
  {
    auto attached = f.start(o);
    CHECK(attached->info().pid == 0);
    CHECK(attached->info().port == owner->info().port);
    collected c;
    auto r = attached->page().generate(ask("attached"), {}, c.fn(), 20s);
    CHECK_FALSE(r.content.empty());
    attached->close(2s);
  }
  // Closing the attached session leaves the browser running.
  CHECK(process_alive(owner->info().pid));
  CHECK(owner->page().ping(2s));
}

TEST_CASE("driver: a visible browser on its own virtual display (Xvfb)") {
  if (::access("/usr/bin/Xvfb", X_OK) != 0) {
    MESSAGE("Xvfb not installed: skipped");
    return;
  }
  sim_fixture f;
  auto o = f.options("alice");
  o.display = display_mode::virtual_display;  // no x_display: the session starts its own
  auto s = f.start(o);
  collected c;
  auto r = s->page().generate(ask("on a screen"), {}, c.fn(), 20s);
  sim::answer_input in;
  in.thinking = true;
  CHECK(r.content == expected("on a screen", in).text());
  const int pid = s->info().pid;
  s->close(3s);
  CHECK(wait_until([&] { return !process_alive(pid); }, 5s));
}

TEST_CASE("driver: the profile's localStorage reaches the page before it loads, once") {
  sim_fixture f;
  // alice's profile, with the model preference pointing elsewhere.
  std::ifstream in(f.dir.file("alice.json"));
  json doc = json::parse(in);
  REQUIRE(doc["origins"].size() == 1);
  doc["origins"][0]["localStorage"] =
      json::array({{{"name", "aiStudioUserPreference"},
                    {"value", R"({"promptModel":"models/gemini-2.0-flash"})"}}});
  std::ofstream(f.dir.file("flash.json")) << doc.dump();
  auto s = f.start("flash");
  auto& page = s->page();
  CHECK(page.current_model() == "gemini-2.0-flash");
  // A later switch survives reloads: the seed is not applied again.
  page.switch_model("gemini-2.5-flash", 15s);
  CHECK(page.current_model() == "gemini-2.5-flash");
  page.new_chat(10s);
  collected c;
  page.generate(ask("which model"), {}, c.fn(), 20s);
  CHECK(f.last_request()["model"] == "gemini-2.5-flash");
}
