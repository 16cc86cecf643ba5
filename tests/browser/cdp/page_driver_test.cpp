// End to end: the real headless browser drives the real simulator through
// start_session / site::chat_page: Chromium over cdp_transport, or (run with
// --browser-kind=firefox, ctest prefix browser/firefox/) firefox-esr over
// bidi_transport. Every browser, simulator and temp dir is
// owned by an RAII object, so a failing check leaves nothing behind.

#include "driver_fixture.hpp"

using namespace driver_test;

TEST_CASE("driver: logs in with a storageState profile and reads the model list") {
  sim_fixture f;
  auto s = f.start("alice");
  auto info = s->info();
  CHECK(info.pid > 0);
  CHECK(info.port > 0);
  CHECK(info.ws_endpoint.rfind("ws://127.0.0.1:", 0) == 0);
  auto& page = s->page();
  CHECK(page.ping(2s));
  auto models = page.models();
  // The 2026 page also offers a Gemini 3 model.
  REQUIRE(models.size() == (f.sim.state()["page"]["ui_variant"] == "2026" ? 4u : 3u));
  CHECK(models[0].id == "gemini-2.5-pro");
  CHECK(models[0].display_name == "Gemini 2.5 Pro");
  CHECK(page.current_model() == "gemini-2.5-pro");
}

TEST_CASE("driver: an expired login is login_lost") {
  sim_fixture f;
  f.sim.set_faults({{"account", "alice"}, {"login_expired", true}});
  CHECK(kind_of([&] { f.start("alice"); }) == failure_kind::login_lost);
  CHECK(f.exits->count() == 0);
}

TEST_CASE("driver: no profile, or a cookie the site does not know, is login_lost") {
  sim_fixture f;
  CHECK(kind_of([&] { f.start(""); }) == failure_kind::login_lost);
  std::ofstream(f.dir.file("stranger.json"))
      << R"({"cookies":[{"name":"SID","value":"nobody","domain":"127.0.0.1","path":"/",)"
         R"("expires":-1,"httpOnly":true,"secure":false,"sameSite":"Lax"}],"origins":[]})";
  CHECK(kind_of([&] { f.start("stranger"); }) == failure_kind::login_lost);
}

TEST_CASE("driver: a broken profile file is invalid_profile and starts no browser") {
  sim_fixture f;
  std::ofstream(f.dir.file("broken.json"))
      << R"({"cookies":[{"name":"SID","value":"s3cr3t-v4lue"}]})";
  try {
    f.start("broken");
    FAIL("no error");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::invalid_profile);
    CHECK(std::string(e.what()).find("broken.json") != std::string::npos);
    CHECK(std::string(e.what()).find("s3cr3t") == std::string::npos);
  }
}

TEST_CASE("driver: a streamed answer equals the simulator's and what the page shows") {
  sim_fixture f;
  auto s = f.start("alice");
  auto& page = dynamic_cast<site::chat_page&>(s->page());
  collected c;
  auto r = page.generate(ask("Hello there from the driver"), {}, c.fn(), 20s);
  // gemini-2.5-pro thinks by default on the page.
  auto want = expected("Hello there from the driver", [] {
    sim::answer_input in;
    in.thinking = true;
    return in;
  }());
  CHECK(page.last_generate_streamed());
  CHECK(c.text == want.text());
  CHECK(c.reasoning == want.reasoning());
  CHECK(r.content == want.text());
  CHECK(r.reasoning == want.reasoning());
  CHECK(r.finish_reason == "stop");
  CHECK(r.prompt_tokens == want.prompt_tokens);
  // The site counts thoughts apart; the API's completion includes them.
  CHECK(r.completion_tokens == want.candidates_tokens + want.thoughts_tokens);
  CHECK(r.reasoning_tokens == want.thoughts_tokens);
  CHECK(c.deltas.size() >= 4);  // it streamed, not one block at the end
  auto shown = page.last_answer();
  CHECK(shown.finished);
  CHECK(shown.text == c.text);
  CHECK(shown.reasoning == c.reasoning);
  auto req = f.last_request();
  CHECK(req["status"] == "done");
  CHECK(req["prompt"] == "Hello there from the driver");
}

TEST_CASE("driver: the page-hook answer source gives the same answer as the network") {
  sim_fixture f;
  auto o = f.options("alice");
  o.page_hook = true;
  auto s = f.start(o);
  auto& page = dynamic_cast<site::chat_page&>(s->page());
  CHECK(std::string(page.answer_source_name()) == "hook");
  collected c;
  auto r = page.generate(ask("Hello through the hook"), {}, c.fn(), 20s);
  auto want = expected("Hello through the hook", [] {
    sim::answer_input in;
    in.thinking = true;
    return in;
  }());
  CHECK(page.last_generate_streamed());  // the hook's bytes, not the DOM fallback
  CHECK(c.text == want.text());
  CHECK(c.reasoning == want.reasoning());
  CHECK(r.content == want.text());
  CHECK(r.finish_reason == "stop");
  CHECK(r.prompt_tokens == want.prompt_tokens);
  CHECK(c.deltas.size() >= 4);  // it streamed, not one block at the end
  // A second answer in the same page: the hook stays installed.
  collected c2;
  auto r2 = page.generate(ask("And once more"), {}, c2.fn(), 20s);
  CHECK(page.last_generate_streamed());
  CHECK(r2.content == c2.text);
  CHECK_FALSE(c2.text.empty());
}

TEST_CASE("driver: a conversation is flattened into one prompt") {
  sim_fixture f;
  auto s = f.start("alice");
  std::vector<chat_message> msgs = {
      {"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello!"}, {"user", "Bye"}};
  collected c;
  auto r = s->page().generate(msgs, {}, c.fn(), 20s);
  const std::string prompt =
      "System Instructions:\nBe brief.\n\nUser:\nHi\n\nAssistant:\nHello!\n\nUser:\nBye";
  CHECK(f.last_request()["prompt"] == prompt);
  sim::answer_input in;
  in.thinking = true;
  CHECK(r.content == expected(prompt, in).text());
}

TEST_CASE("driver: settings reach the site (temperature, top_p, max tokens, stop, thinking)") {
  sim_fixture f;
  auto s = f.start("alice");
  auto& page = s->page();

  generation_params p;
  p.temperature = 0.3;
  p.top_p = 0.5;
  p.max_output_tokens = 7;
  p.reasoning_effort = "low";
  collected c;
  auto r = page.generate(ask("alpha beta gamma"), p, c.fn(), 20s);
  auto req = f.last_request();
  CHECK(req["temperature"].get<double>() == doctest::Approx(0.3));
  CHECK(req["top_p"].get<double>() == doctest::Approx(0.5));
  CHECK(req["max_output_tokens"] == 7);
  CHECK(req["thinking"] == true);
  CHECK(req["thinking_budget"] == site::load_site_profile("").reasoning_budgets.at("low"));
  sim::answer_input in;
  in.temperature = 0.3;
  in.top_p = 0.5;
  in.max_output_tokens = 7;
  in.thinking = true;
  in.thinking_budget = req["thinking_budget"].get<int>();
  auto want = expected("alpha beta gamma", in);
  CHECK(r.content == want.text());
  CHECK(r.reasoning == want.reasoning());
  CHECK(r.finish_reason == "length");

  // Stop sequences, thinking off; earlier settings stay as they were.
  generation_params q;
  q.stop = {" gamma", "zzz"};
  q.reasoning_effort = "none";
  collected c2;
  auto r2 = page.generate(ask("alpha beta gamma"), q, c2.fn(), 20s);
  auto req2 = f.last_request();
  CHECK(req2["stop"] == json::array({" gamma", "zzz"}));
  CHECK(req2["thinking"] == false);
  CHECK(req2["temperature"].get<double>() == doctest::Approx(0.3));
  sim::answer_input in2;
  in2.temperature = 0.3;
  in2.top_p = 0.5;
  in2.max_output_tokens = 7;
  in2.stop = q.stop;
  auto want2 = expected("alpha beta gamma", in2);
  CHECK(r2.content == want2.text());
  CHECK(r2.reasoning.empty());
  CHECK(r2.finish_reason == want2.finish_reason());

  // No stop sequences given: the chips of the previous request are removed.
  collected c3;
  page.generate(ask("alpha"), {}, c3.fn(), 20s);
  CHECK(f.last_request()["stop"] == json::array());
}

TEST_CASE("driver: switching the model") {
  sim_fixture f;
  auto s = f.start("alice");
  auto& page = dynamic_cast<site::chat_page&>(s->page());
  page.switch_model("gemini-2.0-flash", 15s);
  CHECK(page.current_model() == "gemini-2.0-flash");
  collected c;
  generation_params p;
  auto r = page.generate(ask("one two"), p, c.fn(), 20s);
  CHECK(f.last_request()["model"] == "gemini-2.0-flash");
  sim::answer_input in;
  in.model = "gemini-2.0-flash";
  CHECK(r.content == expected("one two", in).text());
  // Through generation_params, back to the default one.
  p.model = "gemini-2.5-pro";
  page.generate(ask("one two"), p, c.fn(), 20s);
  CHECK(f.last_request()["model"] == "gemini-2.5-pro");
  CHECK(kind_of([&] { page.switch_model("no-such-model", 5s); }) == failure_kind::site_error);
}

TEST_CASE("driver: the common request reaches Run in one page round trip") {
  // No A/B preference vote (the 2026 page's every third answer): skipping
  // it is a step of its own, so a request that meets one takes the slow path.
  sim_fixture f({"--preference-vote-every", "0"});
  auto s = f.start("alice");
  auto& page = dynamic_cast<site::chat_page&>(s->page());
  page.models();  // the page's model list is in (as it is once an instance is ready)
  collected c;
  generation_params p;
  p.model = "gemini-2.5-pro";
  p.temperature = 0.5;
  // Same model, no tools: the model check, the number, the prompt and Run in one trip.
  page.generate(ask("first trip"), p, c.fn(), 20s);
  CHECK(page.last_submit_trips() == 1);
  CHECK(f.last_request()["model"] == "gemini-2.5-pro");
  CHECK(f.last_request()["temperature"] == 0.5);
  // Declarations: set through the dialog once, then only checked.
  p.function_declarations = R"([{"name":"get_weather","description":"Weather of a city",)"
                            R"("parameters":{"type":"object","properties":{"city":{"type":"string"}}}}])";
  page.generate(ask("with tools"), p, c.fn(), 20s);
  CHECK(page.last_submit_trips() > 1);
  CHECK(f.last_request()["tools"] == json::array({"get_weather"}));
  page.generate(ask("the same tools"), p, c.fn(), 20s);
  CHECK(page.last_submit_trips() == 1);
  CHECK(f.last_request()["tools"] == json::array({"get_weather"}));
  // Without tools again: switched off first, then one trip.
  p.function_declarations.clear();
  page.generate(ask("no tools"), p, c.fn(), 20s);
  CHECK(page.last_submit_trips() > 1);
  CHECK(f.last_request()["tools"] == json::array());
  page.generate(ask("no tools again"), p, c.fn(), 20s);
  CHECK(page.last_submit_trips() == 1);
  // Another model: the one-trip script finds the page on the old one and
  // touches nothing; the model is switched and the request goes out on it.
  p.model = "gemini-2.0-flash";
  page.generate(ask("other model"), p, c.fn(), 20s);
  CHECK(page.last_submit_trips() > 1);
  CHECK(f.last_request()["model"] == "gemini-2.0-flash");
  CHECK(f.last_request()["prompt"] == "other model");
  page.generate(ask("other model again"), p, c.fn(), 20s);
  CHECK(page.last_submit_trips() == 1);
  CHECK(f.last_request()["model"] == "gemini-2.0-flash");
  // No model asked for: whatever the page is on, still one trip.
  p.model.clear();
  page.generate(ask("any model"), p, c.fn(), 20s);
  CHECK(page.last_submit_trips() == 1);
  CHECK(f.last_request()["model"] == "gemini-2.0-flash");
  // Stop sequences are typed as keys: the step-by-step path.
  p.stop = {"zz"};
  page.generate(ask("with a stop"), p, c.fn(), 20s);
  CHECK(page.last_submit_trips() > 1);
  CHECK(f.last_request()["stop"] == json::array({"zz"}));
}

TEST_CASE("driver: request_stop cancels a running answer and the site sees the abort") {
  sim_fixture f;
  f.sim.set_pacing({{"token_ms", 100}, {"tokens", 200}});
  auto s = f.start("alice");
  auto& page = s->page();
  collected c;
  std::atomic<int> seen{0};
  auto t0 = std::chrono::steady_clock::now();
  auto kind = kind_of([&] {
    page.generate(
        ask("stop me please"), {},
        [&](const delta& d) {
          c.fn()(d);
          if (++seen == 3) page.request_stop();
        },
        30s);
  });
  CHECK(kind == failure_kind::cancelled);
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
  CHECK(wait_until([&] { return f.last_request()["status"] == "aborted"; }, 5s));
  // The page is usable afterwards.
  f.sim.set_pacing({{"token_ms", 5}, {"tokens", answer_tokens}});
  collected c2;
  auto r = page.generate(ask("again"), {}, c2.fn(), 20s);
  CHECK(r.finish_reason == "stop");
  CHECK(f.last_request()["status"] == "done");
}

TEST_CASE("driver: new chat clears the conversation") {
  sim_fixture f;
  auto s = f.start("alice");
  auto& page = dynamic_cast<site::chat_page&>(s->page());
  collected c;
  page.generate(ask("first"), {}, c.fn(), 20s);
  CHECK(page.last_answer().turns == 1);
  page.new_chat(10s);
  CHECK(page.last_answer().turns == 0);
  // A new chat on an empty conversation is fine too.
  page.new_chat(10s);
  collected c2;
  auto r = page.generate(ask("second"), {}, c2.fn(), 20s);
  CHECK_FALSE(r.content.empty());
  CHECK(page.last_answer().turns == 1);
}
