// The simulator's page in a real headless Chromium, driven over CDP: the
// page must render exactly what the server streamed, send the settings it
// shows, and stop when told. Kept in its own binary (sim_browser_tests) so
// that sim_tests does not depend on cdp/.

#include <doctest/doctest.h>

#include <memory>

#include "browser/cdp/connection.hpp"
#include "browser/io_thread.hpp"
#include "sim/accounts.hpp"
#include "sim/answer.hpp"
#include "test_support.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using nlohmann::json;

namespace {

// One browser with one page, attached over CDP. Members are destroyed in
// reverse order: the connection closes before its io thread stops, and the
// browser is killed before its profile dir is removed.
struct browser_page {
  temp_dir profile{"camoufleet-sim-chromium-"};
  std::unique_ptr<child_process> browser;
  browser::io_thread io;
  std::shared_ptr<browser::cdp::connection> conn;
  std::string session;

  browser_page() {
    browser = std::make_unique<child_process>(std::vector<std::string>{
        chromium_path(), "--headless=new", "--no-sandbox", "--disable-gpu",
        "--remote-debugging-port=0", "--user-data-dir=" + profile.path(), "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--no-default-browser-check", "--disable-crash-reporter",
        "--disable-breakpad", "about:blank"});
    static const std::regex devtools(R"(DevTools listening on (ws://\S+))");
    auto line = browser->wait_for_line(devtools, 30s);
    REQUIRE_MESSAGE(line, "chromium printed no DevTools line");
    std::smatch m;
    std::regex_search(*line, m, devtools);
    conn = browser::cdp::connection::connect(io, m[1].str(), 10s);
    auto target = conn->call("Target.createTarget", {{"url", "about:blank"}});
    auto attached = conn->call("Target.attachToTarget",
                               {{"targetId", target["targetId"]}, {"flatten", true}});
    session = attached["sessionId"].get<std::string>();
  }
  ~browser_page() {
    if (conn) conn->close();
  }

  json eval(const std::string& expr) {
    auto r = conn->call("Runtime.evaluate",
                        {{"expression", expr}, {"returnByValue", true}, {"awaitPromise", true}},
                        session);
    if (r.contains("exceptionDetails")) FAIL("page threw: " << r["exceptionDetails"].dump());
    return r["result"].value("value", json());
  }

  // A wait: an evaluation that hits the page navigating away (its context
  // is gone for a moment) counts as "not yet", whatever started the navigation.
  bool wait_js(const std::string& expr, std::chrono::milliseconds deadline) {
    return wait_until(
        [&] {
          try {
            return eval("!!(" + expr + ")") == true;
          } catch (const std::exception&) {
            return false;
          }
        },
        deadline, 20ms);
  }

  void open_as(const sim_process& sim, const std::string& account) {
    json cookies = json::array();
    for (const auto& [name, value] : sim::make_account(account).cookies)
      cookies.push_back({{"name", name}, {"value", value}, {"domain", "127.0.0.1"},
                         {"path", "/"}, {"httpOnly", true},
                         {"secure", sim::is_secure_prefixed(name)}});
    conn->call("Storage.setCookies", {{"cookies", cookies}});
    conn->call("Page.navigate", {{"url", sim.url()}}, session);
    // Fully initialised once ListModels has filled in the model name.
    REQUIRE(wait_js("document.querySelector('[data-test-id=\"model-name\"]') && "
                    "document.querySelector('[data-test-id=\"model-name\"]').textContent !== ''",
                    10s));
  }

  // The viewport the page sees (the 2026 page hides its run settings when narrow).
  void resize(int width, int height) {
    conn->call("Emulation.setDeviceMetricsOverride",
               {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", false}},
               session);
  }

  void set_prompt(const std::string& text) {
    eval("(() => { const t = document.querySelector('ms-prompt-box textarea'); t.value = " +
         json(text).dump() +
         "; t.dispatchEvent(new Event('input', {bubbles: true})); "
         "t.dispatchEvent(new Event('change', {bubbles: true})); })()");
  }

  void set_number(const std::string& selector, const std::string& value) {
    eval("(() => { const e = document.querySelector(" + json(selector).dump() + "); e.value = " +
         json(value).dump() +
         "; e.dispatchEvent(new Event('input', {bubbles: true})); "
         "e.dispatchEvent(new Event('change', {bubbles: true})); })()");
  }

  std::string last_model_text() {
    return eval("(() => { const t = [...document.querySelectorAll('ms-chat-turn "
                ".chat-turn-container.model')].pop(); const n = t && "
                "t.querySelector('ms-cmark-node.cmark-node'); return n ? n.textContent : ''; })()")
        .get<std::string>();
  }
};

const char* last_turn_done =
    "(() => { const t = [...document.querySelectorAll('ms-chat-turn')].pop(); "
    "return t && t.querySelector('.chat-turn-container.model') && "
    "t.querySelector('button[aria-label=\"Edit\"]'); })()";

}  // namespace

TEST_CASE("sim browser: the page renders the streamed answer with the settings it sent" *
          doctest::skip(!chromium_available())) {
  sim_process sim({"--first-token-ms", "20", "--token-ms", "10", "--tokens", "12"});
  browser_page page;
  page.open_as(sim, "alice");
  CHECK(page.eval("document.querySelector('[data-test-id=\"model-name\"]').textContent") ==
        "Gemini 2.5 Pro");
  CHECK(page.eval("document.querySelector('button[aria-label=\"Run\"]').disabled") == true);

  // Quotes, brackets and a backslash inside strings test the page's
  // incremental array parser; multi-byte characters its UTF-8 decoding.
  const std::string prompt = "User: the \"sea\" [and] {braces} back\\slash \xc3\xa9t\xc3\xa9 \xf0\x9f\x8c\x8a";
  page.set_prompt(prompt);
  page.set_number("ms-slider input[type=\"number\"][max=\"2\"]", "0.4");
  page.set_number("ms-slider input[type=\"number\"][max=\"1\"]", "0.8");
  page.set_number("input[aria-label=\"Maximum output tokens\"]", "9");
  page.eval("document.querySelector('mat-slide-toggle[data-test-toggle=\"manual-budget\"] "
            "button[role=\"switch\"]').click()");
  page.set_number("input[aria-label=\"Thinking budget\"]", "5");
  CHECK(page.eval("document.querySelector('button[aria-label=\"Run\"]').disabled") == false);
  page.eval("document.querySelector('ms-run-button button[type=\"submit\"]').click()");
  REQUIRE(page.wait_js(last_turn_done, 15s));

  sim::answer_input in;
  in.prompt = prompt;
  in.temperature = 0.4;
  in.top_p = 0.8;
  in.max_output_tokens = 9;
  in.thinking = true;
  in.thinking_budget = 5;
  in.length = 12;
  auto want = sim::compute_answer(in);
  CHECK(page.last_model_text() == want.text());
  CHECK(page.eval("document.querySelector('ms-thought-chunk').textContent") == want.reasoning());
  CHECK(page.eval("document.querySelector('ms-prompt-box textarea').value") == "");
  CHECK(page.eval("!!document.querySelector('button[aria-label=\"Run\"]')") == true);
  // No error UI exists unless there is an error.
  CHECK(page.eval("document.querySelector('ms-callout.error-callout, div.toast') === null") == true);

  auto rec = sim.state()["requests"][0];
  CHECK(rec["status"] == "done");
  CHECK(rec["account"] == "alice");
  CHECK(rec["prompt"] == prompt);
  CHECK(rec["max_output_tokens"] == 9);
  CHECK(rec["thinking_budget"] == 5);
  CHECK(rec["top_p"] == doctest::Approx(0.8));
}

TEST_CASE("sim browser: Stop generating aborts the request on the server" *
          doctest::skip(!chromium_available())) {
  sim_process sim({"--first-token-ms", "0", "--token-ms", "250", "--tokens", "60"});
  browser_page page;
  page.open_as(sim, "bob");
  page.set_prompt("a long answer please");
  page.eval("document.querySelector('button[aria-label=\"Run\"]').click()");
  REQUIRE(page.wait_js("document.querySelector('ms-cmark-node.cmark-node') && "
                       "document.querySelector('ms-cmark-node.cmark-node').textContent !== ''",
                       10s));
  page.eval("document.querySelector('button[aria-label=\"Stop generating\"]').click()");
  auto status = [&] { return sim.state()["requests"][0]["status"].get<std::string>(); };
  REQUIRE(wait_until([&] { return status() == "aborted"; }, 2s, 10ms));
  CHECK(sim.state()["requests"][0]["tokens_sent"].get<int>() < 60);
  // The stopped turn keeps what arrived and is marked done for the driver.
  CHECK(page.wait_js(last_turn_done, 5s));
  CHECK(page.eval("!!document.querySelector('button[aria-label=\"Run\"]')") == true);
}

TEST_CASE("sim browser: rate limit shows the quota callout, a lost login goes to sign-in" *
          doctest::skip(!chromium_available())) {
  sim_process sim({"--first-token-ms", "0", "--token-ms", "0"});
  browser_page page;
  page.open_as(sim, "carol");
  sim.set_faults({{"account", "carol"}, {"rate_limit_after", 0}});
  page.set_prompt("one");
  page.eval("document.querySelector('button[aria-label=\"Run\"]').click()");
  REQUIRE(page.wait_js("(() => { const m = document.querySelector('ms-callout.error-callout "
                       ".message'); return m && m.textContent.includes('exceeded quota'); })()",
                       5s));
  sim.set_faults({{"account", "carol"}, {"clear", true}, {"login_expired", true}});
  page.set_prompt("two");
  page.eval("document.querySelector('button[aria-label=\"Run\"]').click()");
  CHECK(page.wait_js("location.pathname === '/ServiceLogin' && "
                     "!!document.querySelector('input[name=\"identifier\"]')",
                     5s));
}

TEST_CASE("sim browser: the 2026 page has the newer controls" *
          doctest::skip(!chromium_available())) {
  sim_process sim({"--ui-variant", "2026", "--preference-vote-every", "2", "--first-token-ms",
                   "20", "--token-ms", "60", "--tokens", "8"});
  CHECK(sim.state()["page"]["ui_variant"] == "2026");
  browser_page page;
  page.resize(1400, 900);
  page.open_as(sim, "alice");
  auto exists = [&](const std::string& sel) {
    return page.eval("!!document.querySelector(" + json(sel).dump() + ")") == true;
  };
  // Settings: spinbuttons without `max`, advanced section collapsed.
  CHECK_FALSE(exists("ms-slider input[type=\"number\"][max=\"2\"]"));
  CHECK(exists("input.slider-number-input[aria-valuemax=\"2\"]"));
  CHECK(exists("input[role=\"spinbutton\"][aria-valuemax=\"1\"]"));
  CHECK_FALSE(exists("input[aria-label=\"Maximum output tokens\"]"));
  CHECK_FALSE(exists("textarea[aria-label=\"Enter a prompt\"]"));
  CHECK(exists("ms-autosize-textarea textarea"));
  CHECK(exists("button[role=\"switch\"][aria-label=\"Toggle thinking mode\"]"));
  CHECK_FALSE(exists("mat-select[aria-label=\"Thinking Level\"]"));
  CHECK(page.eval("document.querySelector('button[aria-label=\"New chat\"]').disabled") == true);
  page.eval("document.querySelector('button[aria-label=\"Expand or collapse advanced "
            "settings\"]').click()");
  REQUIRE(exists("input[aria-label=\"Maximum output tokens\"]"));
  page.set_number("input.slider-number-input[aria-valuemax=\"2\"]", "0.3");
  page.set_number("input[aria-label=\"Maximum output tokens\"]", "5");
  page.eval("(() => { const i = document.querySelector('input[aria-label=\"Add stop token\"]'); "
            "i.value = 'zzz'; i.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', "
            "bubbles: true})); })()");
  CHECK(exists("mat-chip-row button[aria-label=\"Remove zzz\"]"));

  // Generating shows a spinner, not a Stop button; Edit appears only on hover.
  page.set_prompt("first question");
  page.eval("document.querySelector('ms-run-button button').click()");
  CHECK(page.wait_js("document.querySelector('ms-run-button .stoppable-spinner')", 5s));
  CHECK_FALSE(exists("button[aria-label=\"Stop generating\"]"));
  auto finished = [&] {
    return page.wait_js("!document.querySelector('ms-run-button .stoppable-spinner') && "
                        "document.querySelector('.chat-turn-container.model')",
                        15s);
  };
  REQUIRE(finished());
  CHECK_FALSE(exists("button[aria-label=\"Edit\"]"));
  page.eval("[...document.querySelectorAll('ms-chat-turn')].pop().dispatchEvent(new "
            "MouseEvent('mouseenter'))");
  CHECK(exists(".toggle-edit-button"));
  auto rec = sim.state()["requests"][0];
  CHECK(rec["temperature"] == doctest::Approx(0.3));
  CHECK(rec["max_output_tokens"] == 5);
  CHECK(rec["stop"] == json::array({"zzz"}));

  // Temporary chat off: the chat was saved under its own URL.
  CHECK(page.eval("location.pathname").get<std::string>().rfind("/prompts/", 0) == 0);
  CHECK(page.eval("location.pathname") != "/prompts/new_chat");
  CHECK(page.eval("document.querySelector('button[aria-label=\"New chat\"]').disabled") == false);

  // The second answer brings the preference vote; the prompt waits for it.
  page.set_prompt("second question");
  page.eval("document.querySelector('ms-run-button button').click()");
  REQUIRE(page.wait_js("document.querySelector('button[aria-label=\"Skip preference vote\"]')",
                       15s));
  CHECK(page.eval("document.querySelector('ms-prompt-box textarea').disabled") == true);
  page.eval("document.querySelector('button[aria-label=\"Skip preference vote\"]').click()");
  CHECK(page.eval("document.querySelector('ms-prompt-box textarea').disabled") == false);

  // Narrow viewport: no run settings at all (no model name either).
  page.resize(700, 900);
  CHECK(page.wait_js("!document.querySelector('ms-run-settings')", 5s));
  CHECK_FALSE(exists("[data-test-id=\"model-name\"]"));
  page.resize(1400, 900);
  CHECK(page.wait_js("document.querySelector('[data-test-id=\"model-name\"]')", 5s));
}

TEST_CASE("sim browser: the 2026 page offers a Thinking Level on Gemini 3" *
          doctest::skip(!chromium_available())) {
  sim_process sim({"--ui-variant", "2026", "--first-token-ms", "0", "--token-ms", "0"});
  browser_page page;
  page.resize(1400, 900);
  page.open_as(sim, "bob");
  page.eval("localStorage.setItem('aiStudioUserPreference', JSON.stringify({promptModel: "
            "'models/gemini-3-pro-preview'})); location.reload()");
  // The reload is under way: wait_js rides over the page going away.
  REQUIRE(page.wait_js("document.querySelector('mat-select[aria-label=\"Thinking Level\"]')", 10s));
  CHECK(page.eval("document.querySelector('[data-test-id=\"model-name\"]').textContent") ==
        "Gemini 3 Pro Preview");
  page.eval("document.querySelector('mat-select[aria-label=\"Thinking Level\"]').click()");
  REQUIRE(page.wait_js("document.querySelector('mat-option')", 5s));
  page.eval("[...document.querySelectorAll('mat-option')].find(o => o.textContent.trim() === "
            "'Low').click()");
  page.set_prompt("think a little");
  page.eval("document.querySelector('ms-run-button button').click()");
  REQUIRE(wait_until([&] { return !sim.state()["requests"].empty() &&
                                  sim.state()["requests"][0]["status"] == "done"; },
                     10s, 20ms));
  auto rec = sim.state()["requests"][0];
  CHECK(rec["thinking_level"] == "low");
  CHECK(rec["model"] == "gemini-3-pro-preview");
}

TEST_CASE("sim browser: grounding and URL context keep function calling off" *
          doctest::skip(!chromium_available())) {
  sim_process sim({"--url-context-on", "gemini-2.5-pro", "--first-token-ms", "20", "--token-ms",
                   "5", "--tokens", "4"});
  browser_page page;
  page.open_as(sim, "alice");  // gemini-2.5-pro: grounding starts on (the default list)
  const std::string grounding =
      "document.querySelector('div[data-test-id=\"searchAsAToolTooltip\"] mat-slide-toggle "
      "button[role=\"switch\"][aria-label=\"Grounding with Google Search\"]')";
  const std::string url_context =
      "document.querySelector('mat-slide-toggle button[role=\"switch\"][aria-label=\"Browse the "
      "url context\"]')";
  const std::string fc =
      "document.querySelector('[data-test-id=\"functionCallingTooltip\"] button[role=\"switch\"]')";
  auto checked = [&](const std::string& sw) {
    return page.eval(sw + ".getAttribute('aria-checked')").get<std::string>();
  };
  CHECK(checked(grounding) == "true");
  CHECK(checked(url_context) == "true");
  CHECK(page.eval(fc + ".disabled") == true);
  page.eval(fc + ".click()");
  CHECK(checked(fc) == "false");  // a click on the disabled switch does nothing
  page.eval(grounding + ".click()");
  CHECK(checked(grounding) == "false");
  CHECK(page.eval(fc + ".disabled") == true);  // URL context is still on
  page.eval(url_context + ".click()");
  CHECK(checked(url_context) == "false");
  CHECK(page.eval(fc + ".disabled") == false);
  page.eval(fc + ".click()");
  CHECK(checked(fc) == "true");
  // Turning grounding back on turns function calling off.
  page.eval(grounding + ".click()");
  CHECK(checked(grounding) == "true");
  CHECK(checked(fc) == "false");
  CHECK(page.eval(fc + ".getAttribute('aria-disabled')") == "true");
  page.set_prompt("hello");
  page.eval("document.querySelector('ms-run-button button').click()");
  REQUIRE(wait_until([&] { return !sim.state()["requests"].empty() &&
                                  sim.state()["requests"][0]["status"] == "done"; },
                     10s, 20ms));
  auto rec = sim.state()["requests"][0];
  CHECK(rec["grounding"] == true);
  CHECK(rec["url_context"] == false);
}
