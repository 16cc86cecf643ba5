// The driver against the simulator's 2026 page, on controls only that page
// has (Gemini 3's thinking level, preference votes, the heading fallback),
// and the one-line diagnosis of a selector group that matches nothing.
// These cases ask for the variant themselves, so the ui2026 run of this
// binary leaves them out ("[2026 page]" in the name).

#include "driver_fixture.hpp"

using namespace driver_test;

TEST_CASE("driver [2026 page]: Gemini 3's thinking level follows reasoning_effort") {
  // A vote after every answer: each next prompt must skip it first.
  sim_fixture f({"--ui-variant", "2026", "--preference-vote-every", "1"});
  auto s = f.start("alice");
  auto& page = s->page();
  page.switch_model("gemini-3-pro-preview", 15s);
  CHECK(page.current_model() == "gemini-3-pro-preview");
  for (const char* effort : {"low", "high", "low"}) {
    generation_params p;
    p.reasoning_effort = effort;
    collected c;
    auto r = page.generate(ask(std::string("think ") + effort), p, c.fn(), 20s);
    auto req = f.last_request();
    CHECK(req["model"] == "gemini-3-pro-preview");
    CHECK(req["thinking_level"] == effort);
    CHECK(r.finish_reason == "stop");
    CHECK_FALSE(r.content.empty());
  }
  // "medium" maps to the site file's level (High); "none" cannot turn a
  // Gemini 3 model's thinking off and leaves the level as it was.
  generation_params p;
  p.reasoning_effort = "medium";
  collected c;
  page.generate(ask("think medium"), p, c.fn(), 20s);
  CHECK(f.last_request()["thinking_level"] == "high");
  p.reasoning_effort = "none";
  page.generate(ask("think none"), p, c.fn(), 20s);
  CHECK(f.last_request()["thinking_level"] == "high");
  CHECK(f.sim.state()["requests"].size() == 5u);
  // Temporary chat was kept on: the page saved no chat (the simulator keeps
  // saved chats in its origin's localStorage under simSavedPrompts).
  auto st = browser::parse_storage_state(page.storage_state(), "now");
  REQUIRE(st.origins.size() == 1);
  std::string saved = "{}";  // absent = nothing saved
  for (const auto& [k, v] : st.origins[0].local_storage)
    if (k == "simSavedPrompts") saved = v;
  CHECK(saved == "{}");
}

TEST_CASE("driver [2026 page]: a control found only under its heading is still set") {
  sim_fixture f({"--ui-variant", "2026"});
  temp_dir site_dir{"camoufleet-site-"};
  auto o = f.options("alice");
  o.site_file = site_file_with(site_dir, [](json& d) {
    d["selectors"]["temperature"] = {"no-such-slider input",
                                     "text=\"Temperature\" >> input[role=\"spinbutton\"]"};
    d["selectors"]["top_p"] = {"text=\"Top P\" >> input[role=\"spinbutton\"]"};
  });
  auto s = f.start(o);
  generation_params p;
  p.temperature = 0.4;
  p.top_p = 0.6;
  collected c;
  s->page().generate(ask("by heading"), p, c.fn(), 20s);
  auto req = f.last_request();
  CHECK(req["temperature"].get<double>() == doctest::Approx(0.4));
  CHECK(req["top_p"].get<double>() == doctest::Approx(0.6));
}

TEST_CASE("driver: a selector group matching nothing names its site-file key") {
  sim_fixture f;
  temp_dir site_dir{"camoufleet-site-"};
  auto o = f.options("alice");
  o.site_file = site_file_with(site_dir, [](json& d) {
    d["selectors"]["temperature"] = {"no-such-slider input", "input.gone", "x-y z"};
  });
  auto s = f.start(o);
  generation_params p;
  p.temperature = 0.4;
  collected c;
  std::string message;
  try {
    s->page().generate(ask("hi"), p, c.fn(), 15s);
    FAIL("no error");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::site_error);
    message = e.what();
  }
  CHECK(message.find("site file key \"selectors.temperature\": none of 3 selectors matched") !=
        std::string::npos);
  CHECK(message.find(o.site_file) != std::string::npos);
  CHECK(f.sim.state()["requests"].empty());  // nothing was sent with a wrong setting
}
