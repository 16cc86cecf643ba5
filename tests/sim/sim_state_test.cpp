#include <doctest/doctest.h>

#include "sim/sim_state.hpp"

using namespace camoufleet::sim;
using nlohmann::json;

namespace {

struct fixture {
  std::int64_t clock = 1000;
  sim_state st{2, pacing{50, 20, 24}, {}, [this] { return clock; }};

  std::string cookie(const std::string& name) { return cookie_header(make_account(name)); }
  generate_params params(const std::string& prompt = "hi there") {
    generate_params p;
    p.prompt = prompt;
    return p;
  }
  int faults(const json& body) {
    int status = 0;
    st.apply_faults(body, &status);
    return status;
  }
};

}  // namespace

TEST_CASE_FIXTURE(fixture, "sim state: SID picks the account; unknown or missing SID is refused") {
  CHECK(st.authenticate(cookie("alice")) == std::optional<std::string>("alice"));
  CHECK(st.authenticate(cookie("user2")) == std::optional<std::string>("user2"));
  CHECK_FALSE(st.authenticate(cookie("user3")));  // only 2 generated accounts
  CHECK_FALSE(st.authenticate(""));
  CHECK_FALSE(st.authenticate("SID=forged"));
  // The decoy cookies alone do not sign anyone in.
  auto a = make_account("alice");
  CHECK_FALSE(st.authenticate("HSID=" + a.cookies[1].second));
}

TEST_CASE_FIXTURE(fixture, "sim state: login_expired per account or global; sign-in restores it") {
  CHECK(faults({{"account", "alice"}, {"login_expired", true}}) == 200);
  CHECK_FALSE(st.authenticate(cookie("alice")));
  CHECK(st.authenticate(cookie("bob")));
  CHECK_FALSE(st.sign_in("alice@example.com", "wrong"));
  CHECK_FALSE(st.sign_in("alice@evil.com", "alice-password"));
  auto acct = st.sign_in("alice@example.com", "alice-password");
  REQUIRE(acct);
  CHECK(acct->name == "alice");
  CHECK(st.authenticate(cookie("alice")));

  CHECK(faults({{"account", "*"}, {"login_expired", true}}) == 200);
  CHECK_FALSE(st.authenticate(cookie("bob")));
  CHECK(st.authenticate(cookie("alice")));  // her own "false" from the sign-in wins
  CHECK(st.sign_in("bob", "bob-password"));
  CHECK(st.authenticate(cookie("bob")));
}

TEST_CASE_FIXTURE(fixture, "sim state: rate limit after N counts per account from when it is set") {
  st.begin_generate("alice", params());  // before the fault: not counted
  CHECK(faults({{"account", "*"}, {"rate_limit_after", 2}}) == 200);
  CHECK(st.begin_generate("alice", params()).kind == admission::stream);
  CHECK(st.begin_generate("alice", params()).kind == admission::stream);
  CHECK(st.begin_generate("alice", params()).kind == admission::rate_limited);
  CHECK(st.begin_generate("bob", params()).kind == admission::stream);
  // An account value wins over "*"; setting it restarts the count.
  CHECK(faults({{"account", "alice"}, {"rate_limit_after", 1}}) == 200);
  CHECK(st.begin_generate("alice", params()).kind == admission::stream);
  CHECK(st.begin_generate("alice", params()).kind == admission::rate_limited);
  CHECK(faults({{"account", "alice"}, {"rate_limit_after", -1}}) == 200);
  CHECK(st.begin_generate("alice", params()).kind == admission::stream);

  auto j = st.to_json();
  CHECK(j["accounts"]["alice"]["requests"] == 7);
  int limited = 0;
  for (const auto& r : j["requests"]) limited += r["status"] == "rate_limited";
  CHECK(limited == 2);
}

TEST_CASE_FIXTURE(fixture, "sim state: stream faults come with the admission") {
  CHECK(faults({{"hang", true}, {"slow_first_token_ms", 300}, {"drop_after_tokens", 3}}) == 200);
  auto a = st.begin_generate("carol", params());
  CHECK(a.kind == admission::stream);
  CHECK(a.hang);
  CHECK(a.slow_first_token_ms == 300);
  CHECK(a.drop_after_tokens == 3);
  CHECK(faults({{"account", "carol"}, {"hang", false}}) == 200);
  CHECK_FALSE(st.begin_generate("carol", params()).hang);
  CHECK(st.begin_generate("bob", params()).hang);
  CHECK(faults({{"account", "bob"}, {"error", true}}) == 200);
  CHECK(st.begin_generate("bob", params()).kind == admission::error);
  // clear on "*" drops everything.
  CHECK(faults({{"account", "*"}, {"clear", true}}) == 200);
  auto b = st.begin_generate("bob", params());
  CHECK(b.kind == admission::stream);
  CHECK_FALSE(b.hang);
  CHECK(b.drop_after_tokens == -1);
}

TEST_CASE_FIXTURE(fixture, "sim state: bad fault bodies change nothing") {
  CHECK(faults(json::array()) == 400);
  CHECK(faults({{"account", "mallory"}, {"hang", true}}) == 404);
  CHECK(faults({{"hang", "yes"}}) == 400);
  CHECK(faults({{"hang", true}, {"rate_limit_after", "x"}}) == 400);
  CHECK_FALSE(st.begin_generate("alice", params()).hang);
  CHECK(st.to_json()["faults"].empty());
}

TEST_CASE_FIXTURE(fixture, "sim state: request lifecycle, counters and the admin JSON") {
  auto p = params("count me");
  p.model = "gemini-2.5-flash";
  p.stop = {"x"};
  p.thinking = true;
  p.thinking_budget = 5;
  auto a = st.begin_generate("alice", p);
  REQUIRE(a.kind == admission::stream);
  CHECK(a.ans.text() == compute_answer(to_answer_input(p, 24)).text());
  auto j = st.to_json();
  CHECK(j["accounts"]["alice"]["active"] == 1);
  const auto& r = j["requests"][0];
  CHECK(r["id"] == a.id);
  CHECK(r["account"] == "alice");
  CHECK(r["prompt"] == "count me");
  CHECK(r["model"] == "gemini-2.5-flash");
  CHECK(r["stop"] == json::array({"x"}));
  CHECK(r["thinking"] == true);
  CHECK(r["thinking_budget"] == 5);
  CHECK(r["status"] == "streaming");
  CHECK(r["started_ms"] == 1000);
  CHECK(r["ended_ms"] == 0);

  st.progress(a.id, 4);
  clock = 1500;
  st.finish(a.id, request_status::aborted);
  st.finish(a.id, request_status::done);  // a second finish is ignored
  j = st.to_json();
  CHECK(j["requests"][0]["status"] == "aborted");
  CHECK(j["requests"][0]["tokens_sent"] == 4);
  CHECK(j["requests"][0]["ended_ms"] == 1500);
  CHECK(j["accounts"]["alice"]["active"] == 0);
  CHECK(j["accounts"]["alice"]["aborts"] == 1);
  CHECK(j["accounts"]["alice"]["requests"] == 1);
}

TEST_CASE_FIXTURE(fixture, "sim state: pacing changes the answer length; reset restores start-up") {
  int status = 0;
  CHECK(st.apply_pacing({{"tokens", 3}, {"token_ms", 1}}, &status).empty());
  CHECK(status == 200);
  CHECK(st.begin_generate("alice", params()).ans.text_tokens.size() == 3);
  CHECK_FALSE(st.apply_pacing({{"tokens", 0}}, &status).empty());
  CHECK(status == 400);
  CHECK_FALSE(st.apply_pacing({{"token_ms", -5}}, &status).empty());
  CHECK(st.current_pacing().tokens == 3);
  faults({{"hang", true}});
  auto before = st.begin_generate("alice", params());
  st.reset();
  auto j = st.to_json();
  CHECK(j["requests"].empty());
  CHECK(j["faults"].empty());
  CHECK(j["pacing"]["tokens"] == 24);
  CHECK(j["accounts"]["alice"]["requests"] == 0);
  // A stream from before the reset finishing later touches nothing new.
  auto after = st.begin_generate("alice", params());
  CHECK(after.id != before.id);
  st.finish(before.id, request_status::done);
  CHECK(st.to_json()["requests"][0]["status"] == "streaming");
}

TEST_CASE("sim state: start-up faults survive a reset") {
  sim_state st(0, pacing{}, {json{{"account", "bob"}, {"error", true}}});
  generate_params p;
  p.prompt = "x";
  CHECK(st.begin_generate("bob", p).kind == admission::error);
  st.reset();
  CHECK(st.begin_generate("bob", p).kind == admission::error);
  CHECK(st.begin_generate("alice", p).kind == admission::stream);
}

TEST_CASE("sim state: GenerateContent body parsing") {
  std::string err;
  auto p = parse_generate_body(
      R"({"model":"models/gemini-2.0-flash","prompt":"p","temperature":0.5,"top_p":0.25,)"
      R"("max_output_tokens":7,"stop":["a","b"],"thinking":true,"thinking_budget":9})",
      err);
  REQUIRE(p);
  CHECK(p->model == "gemini-2.0-flash");
  CHECK(p->temperature == doctest::Approx(0.5));
  CHECK(p->top_p == doctest::Approx(0.25));
  CHECK(p->max_output_tokens == 7);
  CHECK(p->stop == std::vector<std::string>{"a", "b"});
  CHECK(p->thinking);
  CHECK(p->thinking_budget == 9);
  CHECK_FALSE(parse_generate_body("not json", err));
  CHECK_FALSE(parse_generate_body(R"({"model":"models/x"})", err));
  CHECK(err == "missing prompt");
  CHECK_FALSE(parse_generate_body(R"({"prompt":"p","model":"models/gpt-4"})", err));
  auto defaults = parse_generate_body(R"({"prompt":"p"})", err);
  REQUIRE(defaults);
  CHECK(defaults->model == "gemini-2.5-pro");
  CHECK(defaults->max_output_tokens == 65536);
}
