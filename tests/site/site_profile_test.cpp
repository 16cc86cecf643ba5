#include "site/site_profile.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "core/chat.hpp"

using namespace camoufleet::site;

namespace {
std::string read_default() {
  std::ifstream in(default_site_file());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("site_profile: the shipped site file loads") {
  auto p = load_site_profile(default_site_file());
  CHECK(p.chat_path == "/prompts/new_chat");
  CHECK_FALSE(p.selectors.ready.empty());
  CHECK_FALSE(p.selectors.prompt.empty());
  CHECK(p.labels.system == "System Instructions:");
  CHECK(p.wire.finish_codes.at(1) == "stop");
  CHECK(p.wire.finish_codes.at(2) == "length");
  CHECK(p.reasoning_budgets.count("high") == 1);
  CHECK(p.generate_content_pattern.find("GenerateContent") != std::string::npos);
  // The switches that exclude function calling (FACTS section 5).
  CHECK(p.function_calling.grounding_toggle.at(0).find("searchAsAToolTooltip") != std::string::npos);
  CHECK(p.function_calling.url_context_toggle.at(0).find("Browse the url context") !=
        std::string::npos);
}

TEST_CASE("site_profile: the grounding and URL context switches can be overridden") {
  auto doc = nlohmann::json::parse(read_default());
  doc["function_calling"]["grounding_toggle"] = "#g";
  doc["function_calling"]["url_context_toggle"] = nlohmann::json::array({"#u1", "#u2"});
  auto p = parse_site_profile(doc.dump(), "f");
  CHECK(p.function_calling.grounding_toggle == std::vector<std::string>{"#g"});
  CHECK(p.function_calling.url_context_toggle == std::vector<std::string>{"#u1", "#u2"});
  doc["function_calling"]["url_context_toggle"] = 3;
  CHECK_THROWS_AS(parse_site_profile(doc.dump(), "f"), driver_error);
}

TEST_CASE("site_profile: login URL and error text classification") {
  auto p = load_site_profile("");
  CHECK(p.is_login_url("https://accounts.google.com/v3/signin/identifier?x=1"));
  CHECK(p.is_login_url("http://127.0.0.1:5555/ServiceLogin?continue=%2Fprompts%2Fnew_chat"));
  CHECK_FALSE(p.is_login_url("http://127.0.0.1:5555/prompts/new_chat"));
  CHECK(p.classify_error_text("You've EXCEEDED QUOTA for today") == "quota");
  CHECK(p.classify_error_text("Rate limit reached") == "rate_limit");
  CHECK(p.classify_error_text("Something else failed") == "");
}

TEST_CASE("site_profile: a missing key is named with the file") {
  auto doc = nlohmann::json::parse(read_default());
  doc["selectors"].erase("run_button");
  try {
    parse_site_profile(doc.dump(), "/x/site.json");
    FAIL("no error");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::site_error);
    std::string m = e.what();
    CHECK(m.find("/x/site.json") != std::string::npos);
    CHECK(m.find("selectors.run_button") != std::string::npos);
  }
}

TEST_CASE("site_profile: wrong types and unreadable files are errors") {
  auto doc = nlohmann::json::parse(read_default());
  doc["wire"]["thought_flag_index"] = "twelve";
  CHECK_THROWS_AS(parse_site_profile(doc.dump(), "f"), driver_error);
  doc = nlohmann::json::parse(read_default());
  doc["wire"]["error_kinds"] = {{"x", "rate_limited"}};
  CHECK_THROWS_AS(parse_site_profile(doc.dump(), "f"), driver_error);
  CHECK_THROWS_AS(parse_site_profile("not json", "f"), driver_error);
  CHECK_THROWS_AS(load_site_profile("/nonexistent/site.json"), driver_error);
}

TEST_CASE("site_profile: timeouts are optional and override defaults") {
  auto doc = nlohmann::json::parse(read_default());
  doc.erase("timeouts_ms");
  auto a = parse_site_profile(doc.dump(), "f");
  CHECK(a.timeouts.stream_start == site_timeouts{}.stream_start);
  doc["timeouts_ms"] = {{"stream_start", 123}};
  auto b = parse_site_profile(doc.dump(), "f");
  CHECK(b.timeouts.stream_start.count() == 123);
}

TEST_CASE("site_profile: every selector group is an ordered list of fallbacks") {
  auto p = load_site_profile("");
  for (const auto& g : site_selectors::groups()) {
    INFO("selectors." << g.key);
    CHECK_FALSE((p.selectors.*(g.list)).empty());
  }
  // The newer UI's fallbacks come after the older ones (FACTS section 1).
  REQUIRE(p.selectors.temperature.size() == 3);
  CHECK(p.selectors.temperature[0] == "ms-slider input[type=\"number\"][max=\"2\"]");
  CHECK(p.selectors.temperature[1] == "input.slider-number-input[aria-valuemax=\"2\"]");
  CHECK(p.selectors.temperature[2] == "text=\"Temperature\" >> input[role=\"spinbutton\"]");
  CHECK(p.selectors.prompt.front() == "ms-prompt-box textarea[aria-label=\"Enter a prompt\"]");
  CHECK(p.selectors.turn_edit_button.back() == ".toggle-edit-button");
  CHECK(&p.selectors.group("top_p") == &p.selectors.top_p);
  CHECK_THROWS_AS(p.selectors.group("no_such_group"), std::out_of_range);
  CHECK(p.thinking_levels.at("low") == "Low");
  CHECK(p.thinking_levels.at("high") == "High");
}

TEST_CASE("site_profile: a group may be one selector or a list, never empty") {
  auto doc = nlohmann::json::parse(read_default());
  doc["selectors"]["temperature"] = "input.only";
  doc["selectors"]["top_p"] = {"a", "b"};
  auto p = parse_site_profile(doc.dump(), "f");
  CHECK(p.selectors.temperature == std::vector<std::string>{"input.only"});
  CHECK(p.selectors.top_p == std::vector<std::string>{"a", "b"});
  for (const nlohmann::json& bad : {nlohmann::json::array(), nlohmann::json::array({1}),
                                   nlohmann::json(3)}) {
    doc["selectors"]["top_p"] = bad;
    try {
      parse_site_profile(doc.dump(), "f");
      FAIL("no error for " << bad.dump());
    } catch (const driver_error& e) {
      CHECK(std::string(e.what()).find("selectors.top_p") != std::string::npos);
    }
  }
  doc = nlohmann::json::parse(read_default());
  doc["selectors"].erase("preference_vote_skip");
  CHECK_THROWS_AS(parse_site_profile(doc.dump(), "f"), driver_error);
  doc = nlohmann::json::parse(read_default());
  doc["thinking_levels"].erase("medium");
  CHECK_THROWS_AS(parse_site_profile(doc.dump(), "f"), driver_error);
}

TEST_CASE("site_profile: a group that matched nothing is named by its site-file key") {
  auto doc = nlohmann::json::parse(read_default());
  doc["selectors"]["temperature"] = {"a", "b", "c"};
  doc["selectors"]["model_name"] = "x";
  auto p = parse_site_profile(doc.dump(), "/etc/site.json");
  auto e = p.no_match("settings", "temperature");
  CHECK(e.kind() == failure_kind::site_error);
  CHECK(std::string(e.what()) ==
        "settings: site file key \"selectors.temperature\": none of 3 selectors matched "
        "(/etc/site.json)");
  CHECK(std::string(p.no_match("model", "model_name").what()) ==
        "model: site file key \"selectors.model_name\": none of 1 selector matched "
        "(/etc/site.json)");
}
