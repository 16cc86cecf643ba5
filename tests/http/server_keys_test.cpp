// The real Pistache server and its API keys' names and limits: each key's
// requests and tokens counted under its name, --max-open-per-key and a key's
// own max_open= turning its next request away.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::map<std::string, std::string> bearer(const std::string& key) {
  return {{"Authorization", "Bearer " + key}};
}

}  // namespace

TEST_CASE("server: each API key's requests and tokens are counted under its name") {
  auto o = test_options();
  o.api_keys = {core::api_key("sk-alice", "alice"), "sk-anon"};
  fixture f(o);
  f.gw.set_script([](const completion_request& r) {
    if (r.messages.back().content == "fail")
      return std::vector<script_step>{{5ms, failed(error_code::rate_limited, "slow down", 30)}};
    return std::vector<script_step>{{5ms, assigned("inst-A")}, {5ms, finished("hi", "inst-A")}};
  });
  const auto ask = [&f](const std::string& key, const std::string& text) {
    const json body = {{"messages", json::array({{{"role", "user"}, {"content", text}}})}};
    return http_call(f.port(), "POST", "/v1/chat/completions", body.dump(),
                     bearer(key))
        .status;
  };
  CHECK(ask("sk-alice", "one") == 200);
  CHECK(ask("sk-alice", "two") == 200);
  CHECK(ask("sk-alice", "fail") == 429);
  CHECK(ask("sk-anon", "three") == 200);
  CHECK(http_call(f.port(), "POST", "/v1/chat/completions", chat_body(false)).status == 401);
  // What the gateway saw: the key's name, never the key.
  for (const auto& r : f.gw.submitted())
    CHECK((r.caller == "alice" || r.caller == core::key_fingerprint("sk-anon")));

  const auto metrics =
      http_call(f.port(), "GET", "/metrics", "", bearer("sk-anon")).body;
  const std::string anon = core::key_fingerprint("sk-anon");
  for (const std::string& line : std::vector<std::string>{
           R"(camoufleet_key_requests_total{key="alice",outcome="success"} 2)",
           R"(camoufleet_key_requests_total{key="alice",outcome="error"} 1)",
           R"(camoufleet_key_requests_total{key="alice",outcome="cancelled"} 0)",
           R"(camoufleet_key_tokens_total{key="alice",kind="prompt"} 22)",
           R"(camoufleet_key_tokens_total{key="alice",kind="completion"} 6)",
           R"(camoufleet_key_open_requests{key="alice"} 0)",  // all ended
           "camoufleet_key_requests_total{key=\"" + anon + "\",outcome=\"success\"} 1",
           "camoufleet_key_tokens_total{key=\"" + anon + "\",kind=\"completion\"} 3"}) {
    CAPTURE(line);
    CHECK(metrics.find(line + "\n") != std::string::npos);
  }
  CHECK(metrics.find("sk-alice") == std::string::npos);
  CHECK(metrics.find("sk-anon") == std::string::npos);

  // Without keys: no per-key samples at all.
  fixture open;
  open.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{5ms, finished("hi", "inst-A")}};
  });
  CHECK(http_call(open.port(), "POST", "/v1/chat/completions", chat_body(false)).status == 200);
  const auto open_metrics = http_call(open.port(), "GET", "/metrics").body;
  CHECK(open_metrics.find("# TYPE camoufleet_key_requests_total counter") != std::string::npos);
  CHECK(open_metrics.find("camoufleet_key_requests_total{") == std::string::npos);
}

TEST_CASE("server: --max-open-per-key turns a key's next request away while it has that many") {
  auto o = test_options();
  o.api_keys = {core::api_key("sk-alice", "alice"), core::api_key("sk-bob", "bob")};
  o.max_open_per_key = 2;
  fixture f(o);
  f.gw.set_script([](const completion_request& r) {
    if (r.messages.back().content == "quick")
      return std::vector<script_step>{{5ms, finished("hi", "inst-A")}};
    return std::vector<script_step>{{5ms, assigned("inst-A")}, {30s, finished("late", "inst-A")}};
  });
  const auto body = [](const std::string& text, int n = 1) {
    return json({{"messages", json::array({{{"role", "user"}, {"content", text}}})}, {"n", n}})
        .dump();
  };
  // alice: one slow request, and one of two choices (one request, two pages).
  http_connection slow(f.port());
  REQUIRE(slow.send_all(
      build_request("POST", "/v1/chat/completions", body("slow"), bearer("sk-alice"))));
  http_connection two(f.port());
  REQUIRE(two.send_all(
      build_request("POST", "/v1/chat/completions", body("slow", 2), bearer("sk-alice"))));
  REQUIRE(wait_until([&] { return f.gw.active() == 3; }, 5s));
  // What /metrics shows of it: alice's two open requests (three pages).
  const auto open_metrics = http_call(f.port(), "GET", "/metrics", "", bearer("sk-bob")).body;
  CHECK(open_metrics.find("camoufleet_key_open_requests{key=\"alice\"} 2\n") != std::string::npos);

  const auto third =
      http_call(f.port(), "POST", "/v1/chat/completions", body("quick"), bearer("sk-alice"));
  CHECK(third.status == 429);
  CHECK(third.header("retry-after") == "1");
  const auto e = json::parse(third.body)["error"];
  CHECK(e["code"] == "rate_limit_exceeded");
  CHECK(e["message"].get<std::string>().find("'alice' has 2 requests open") != std::string::npos);
  CHECK(third.body.find("sk-alice") == std::string::npos);
  CHECK(f.gw.submitted().size() == 3);  // nothing of it reached the fleet
  // Counted under her name, beside the limit it met.
  const auto refused_metrics = http_call(f.port(), "GET", "/metrics", "", bearer("sk-bob")).body;
  for (const std::string line :
       {R"(camoufleet_key_requests_total{key="alice",outcome="refused"} 1)",
        R"(camoufleet_key_requests_total{key="bob",outcome="refused"} 0)",
        R"(camoufleet_key_open_limit{key="alice"} 2)",
        R"(camoufleet_key_open_limit{key="bob"} 2)"}) {
    CAPTURE(line);
    CHECK(refused_metrics.find(line + "\n") != std::string::npos);
  }
  // Another key is not held back by alice's.
  CHECK(http_call(f.port(), "POST", "/v1/completions", R"({"prompt":"quick"})", bearer("sk-bob"))
            .status == 200);

  // One of alice's ends (its client goes away): her next request is taken.
  slow.close();
  CHECK(wait_until(
      [&] {
        return http_call(f.port(), "POST", "/v1/chat/completions", body("quick"),
                         bearer("sk-alice"))
                   .status == 200;
      },
      5s));
}

TEST_CASE("server: a key's max_open= in the key file is its own limit, beside --max-open-per-key") {
  auto o = test_options();
  core::api_key admin("sk-admin", "admin");
  admin.max_open = 0;  // no limit for this key
  core::api_key guest("sk-guest", "guest");
  guest.max_open = 2;
  o.api_keys = {admin, guest, core::api_key("sk-bob", "bob")};  // bob: the server's 1
  o.max_open_per_key = 1;
  fixture f(o);
  f.gw.set_script([](const completion_request&) {
    return std::vector<script_step>{{5ms, assigned("inst-A")}, {30s, finished("late", "inst-A")}};
  });
  const std::string body =
      json({{"messages", json::array({{{"role", "user"}, {"content", "slow"}}})}}).dump();
  std::vector<std::unique_ptr<http_connection>> open;
  const auto hold = [&](const std::string& key) {
    open.push_back(std::make_unique<http_connection>(f.port()));
    return open.back()->send_all(
        build_request("POST", "/v1/chat/completions", body, bearer(key)));
  };
  const auto one_more = [&](const std::string& key) {
    return http_call(f.port(), "POST", "/v1/chat/completions", body,
                     bearer(key));
  };
  for (int i = 0; i < 3; ++i) REQUIRE(hold("sk-admin"));
  REQUIRE(hold("sk-guest"));
  REQUIRE(hold("sk-guest"));
  REQUIRE(hold("sk-bob"));
  REQUIRE(wait_until([&] { return f.gw.active() == 6; }, 5s));

  const auto guest_third = one_more("sk-guest");
  CHECK(guest_third.status == 429);
  CHECK(json::parse(guest_third.body)["error"]["message"].get<std::string>().find(
            "'guest' has 2 requests open") != std::string::npos);
  const auto bob_second = one_more("sk-bob");
  CHECK(bob_second.status == 429);
  CHECK(json::parse(bob_second.body)["error"]["message"].get<std::string>().find(
            "'bob' has 1 requests open") != std::string::npos);
  CHECK(f.gw.submitted().size() == 6);  // neither reached the fleet

  const auto metrics =
      http_call(f.port(), "GET", "/metrics", "", bearer("sk-admin")).body;
  for (const std::string line :
       {R"(camoufleet_key_open_requests{key="admin"} 3)",
        R"(camoufleet_key_open_requests{key="guest"} 2)",
        R"(camoufleet_key_open_limit{key="guest"} 2)", R"(camoufleet_key_open_limit{key="bob"} 1)",
        R"(camoufleet_key_requests_total{key="guest",outcome="refused"} 1)",
        R"(camoufleet_key_requests_total{key="bob",outcome="refused"} 1)",
        R"(camoufleet_key_requests_total{key="admin",outcome="refused"} 0)"}) {
    CAPTURE(line);
    CHECK(metrics.find(line + "\n") != std::string::npos);
  }
  CHECK(metrics.find("camoufleet_key_open_limit{key=\"admin\"}") == std::string::npos);
  for (auto& c : open) c->close();
}

TEST_CASE("server: a key's max_open= limits it without --max-open-per-key") {
  auto o = test_options();
  core::api_key guest("sk-guest", "guest");
  guest.max_open = 1;
  o.api_keys = {guest, core::api_key("sk-bob", "bob")};
  fixture f(o);
  f.gw.set_script([](const completion_request& r) {
    if (r.messages.back().content == "quick")
      return std::vector<script_step>{{5ms, finished("hi", "inst-A")}};
    return std::vector<script_step>{{5ms, assigned("inst-A")}, {30s, finished("late", "inst-A")}};
  });
  const auto body = [](const std::string& text) {
    return json({{"messages", json::array({{{"role", "user"}, {"content", text}}})}}).dump();
  };
  http_connection slow(f.port());
  REQUIRE(slow.send_all(build_request("POST", "/v1/chat/completions", body("slow"),
                                      bearer("sk-guest"))));
  REQUIRE(wait_until([&] { return f.gw.active() == 1; }, 5s));
  CHECK(http_call(f.port(), "POST", "/v1/chat/completions", body("quick"),
                  bearer("sk-guest"))
            .status == 429);
  // bob has no limit of his own and the server none: any number.
  std::vector<std::unique_ptr<http_connection>> bobs;
  for (int i = 0; i < 3; ++i) {
    bobs.push_back(std::make_unique<http_connection>(f.port()));
    REQUIRE(bobs.back()->send_all(build_request("POST", "/v1/chat/completions", body("slow"),
                                                bearer("sk-bob"))));
  }
  REQUIRE(wait_until([&] { return f.gw.active() == 4; }, 5s));
  CHECK(http_call(f.port(), "POST", "/v1/chat/completions", body("quick"),
                  bearer("sk-bob"))
            .status == 200);
  slow.close();
  for (auto& c : bobs) c->close();
}
