// The real aistudio-sim binary's faults over HTTP: rate limit, lost login
// and sign-in, client aborts (hanging, slow first token, mid-stream), a
// dropped stream, error answers.

#include <doctest/doctest.h>

#include "sim/accounts.hpp"
#include "sim/stream_format.hpp"
#include "sim_http_helpers.hpp"

using namespace sim_http_test;

TEST_CASE("sim http: rate limit after N requests answers 429 RESOURCE_EXHAUSTED") {
  sim_process sim({"--first-token-ms", "0", "--token-ms", "0"});
  sim.set_faults({{"account", "alice"}, {"rate_limit_after", 1}});
  CHECK(generate(sim, "alice", gen_body("first")).status == 200);
  auto r = generate(sim, "alice", gen_body("second"));
  CHECK(r.status == 429);
  CHECK(r.body.find("RESOURCE_EXHAUSTED") != std::string::npos);
  CHECK(generate(sim, "bob", gen_body("other account")).status == 200);
  CHECK(status_of(sim, "first") == "done");
  CHECK(status_of(sim, "second") == "rate_limited");
  CHECK(r.header("X-Sim-Request-Id") ==
        std::to_string(request_with_prompt(sim, "second")["id"].get<int>()));
  CHECK(sim.state()["accounts"]["alice"]["requests"] == 2);

  sim.set_faults({{"account", "*"}, {"rate_limit_after", 0}});
  CHECK(generate(sim, "bob", gen_body("bob limited")).status == 429);
  sim.reset();
  CHECK(generate(sim, "alice", gen_body("after reset")).status == 200);
}

TEST_CASE("sim http: an expired login redirects the page and refuses RPCs until sign-in") {
  sim_process sim({"--first-token-ms", "0", "--token-ms", "0"});
  sim.set_faults({{"account", "alice"}, {"login_expired", true}});
  auto r = http_request("GET", sim.port(), "/prompts/new_chat", "", auth("alice"));
  CHECK(r.status == 302);
  CHECK(r.header("Location").rfind("/ServiceLogin?continue=", 0) == 0);
  CHECK(generate(sim, "alice", gen_body("x")).status == 401);
  CHECK(http_request("POST", sim.port(), rpc + "ListModels", "[]", auth("alice")).status == 401);
  CHECK(generate(sim, "bob", gen_body("x")).status == 200);

  r = http_request("POST", sim.port(), "/ServiceLogin",
                   "identifier=alice%40example.com&password=alice-password&continue=%2Fprompts%2Fnew_chat",
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  REQUIRE(r.status == 302);
  CHECK(r.header("Location") == "/prompts/new_chat");
  CHECK(generate(sim, "alice", gen_body("x")).status == 200);
}

TEST_CASE("sim http: the sign-in form sets every session cookie of a known account") {
  sim_process sim;
  auto r = http_request("GET", sim.port(), "/ServiceLogin?continue=%2Fprompts%2Fnew_chat%3Fa%3D1");
  REQUIRE(r.status == 200);
  CHECK(r.body.find(R"(type="email" name="identifier")") != std::string::npos);
  CHECK(r.body.find(R"(type="password" name="password")") != std::string::npos);
  CHECK(r.body.find(R"(id="next">Next<)") != std::string::npos);
  CHECK(r.body.find(R"(value="/prompts/new_chat?a=1")") != std::string::npos);

  const header_list form = {{"Content-Type", "application/x-www-form-urlencoded"}};
  r = http_request("POST", sim.port(), "/ServiceLogin", "identifier=bob&password=nope", form);
  CHECK(r.status == 200);
  CHECK(r.body.find("Wrong email or password") != std::string::npos);
  CHECK(r.headers_named("Set-Cookie").empty());

  r = http_request("POST", sim.port(), "/ServiceLogin",
                   "identifier=bob%40example.com&password=bob-password&continue=https%3A%2F%2Fevil.example%2F",
                   form);
  REQUIRE(r.status == 302);
  CHECK(r.header("Location") == "/prompts/new_chat");
  auto cookies = r.headers_named("Set-Cookie");
  REQUIRE(cookies.size() == 6);
  auto bob = sim::make_account("bob");
  std::string header;
  for (std::size_t i = 0; i < cookies.size(); ++i) {
    CHECK(cookies[i].find("HttpOnly") != std::string::npos);
    CHECK(cookies[i].find("Path=/") != std::string::npos);
    auto kv = cookies[i].substr(0, cookies[i].find(';'));
    CHECK(kv == bob.cookies[i].first + "=" + bob.cookies[i].second);
    header += (i ? "; " : "") + kv;
  }
  // Cookies as the browser would now send them open the page.
  CHECK(http_request("GET", sim.port(), "/prompts/new_chat", "", {{"Cookie", header}}).status == 200);
}

TEST_CASE("sim http: a hanging stream is recorded as aborted quickly when the client leaves") {
  sim_process sim({"--first-token-ms", "0", "--token-ms", "0"});
  sim.set_faults({{"account", "*"}, {"hang", true}});
  clock_type::time_point closed;
  auto r = http_request_stream("POST", sim.port(), rpc + "GenerateContent",
                               gen_body("hang forever").dump(), auth("bob"),
                               [&](const std::string&) {
                                 // Headers are in; the server has it as streaming.
                                 CHECK(wait_until([&] { return status_of(sim, "hang forever") == "streaming"; }, 5s));
                                 CHECK(sim.state()["accounts"]["bob"]["active"] == 1);
                                 closed = clock_type::now();
                                 return false;
                               });
  REQUIRE(r.status == 200);
  CHECK(r.body.empty());
  REQUIRE(wait_until([&] { return status_of(sim, "hang forever") == "aborted"; }, 2s, 5ms));
  auto noticed = ms_since(closed);
  MESSAGE("abort noticed after " << noticed << " ms");
  // A hang never writes, so only watching the socket can notice the abort
  // at all; the bound is loose for a busy machine (typically a few ms).
  CHECK(noticed < 1000);
  auto st = sim.state();
  CHECK(st["accounts"]["bob"]["aborts"] == 1);
  CHECK(st["accounts"]["bob"]["active"] == 0);
  CHECK(request_with_prompt(sim, "hang forever")["tokens_sent"] == 0);
}

TEST_CASE("sim http: an abort during a slow first token is noticed without any write") {
  sim_process sim({"--first-token-ms", "0", "--token-ms", "0"});
  sim.set_faults({{"account", "alice"}, {"slow_first_token_ms", 10000}});
  clock_type::time_point closed;
  http_request_stream("POST", sim.port(), rpc + "GenerateContent", gen_body("slow start").dump(),
                      auth("alice"), [&](const std::string&) {
                        closed = clock_type::now();
                        return false;
                      });
  REQUIRE(wait_until([&] { return status_of(sim, "slow start") == "aborted"; }, 3s, 5ms));
  CHECK(ms_since(closed) < 1000);
  // Without the abort, a slow first token still delivers the full answer.
  sim.set_faults({{"account", "alice"}, {"slow_first_token_ms", 250}});
  auto start = clock_type::now();
  auto r = generate(sim, "alice", gen_body("slow but fine"));
  CHECK(ms_since(start) >= 250);
  CHECK(sim::decode_stream(r.body).text == expected(gen_body("slow but fine")).text());
}

TEST_CASE("sim http: a client abort mid-stream is recorded with the tokens sent so far") {
  sim_process sim({"--first-token-ms", "0", "--token-ms", "30", "--tokens", "40"});
  int pieces = 0;
  http_request_stream("POST", sim.port(), rpc + "GenerateContent", gen_body("stop me").dump(),
                      auth("carol"), [&](const std::string& p) {
                        if (!p.empty()) ++pieces;
                        return pieces < 3;
                      });
  REQUIRE(wait_until([&] { return status_of(sim, "stop me") == "aborted"; }, 3s, 5ms));
  auto sent = request_with_prompt(sim, "stop me")["tokens_sent"].get<int>();
  CHECK(sent >= 3);
  CHECK(sent < 40);
}

TEST_CASE("sim http: drop after K tokens cuts the connection mid-stream") {
  sim_process sim({"--first-token-ms", "0", "--token-ms", "5"});
  sim.set_faults({{"account", "bob"}, {"drop_after_tokens", 3}});
  auto r = generate(sim, "bob", gen_body("drop me"));
  CHECK(r.status == 200);
  CHECK(r.error != "");
  CHECK_THROWS(sim::decode_stream(r.body));
  // Exactly three text chunks made it: "[[" chunk "," chunk "," chunk.
  auto complete = sim::decode_stream(r.body + "]]");
  CHECK(complete.chunks == 3);
  CHECK(complete.finish == 0);
  CHECK(status_of(sim, "drop me") == "dropped");
  CHECK(request_with_prompt(sim, "drop me")["tokens_sent"] == 3);
  CHECK(generate(sim, "alice", gen_body("not dropped")).error == "");
}

TEST_CASE("sim http: the error fault answers 500 and start-up faults apply") {
  sim_process sim({"--first-token-ms", "0", "--token-ms", "0", "--fault",
                   R"({"account":"carol","error":true})"});
  auto r = generate(sim, "carol", gen_body("boom"));
  CHECK(r.status == 500);
  CHECK(r.json()["error"]["status"] == "INTERNAL");
  CHECK(status_of(sim, "boom") == "error");
  CHECK(generate(sim, "alice", gen_body("fine")).status == 200);
  CHECK(sim.state()["faults"]["carol"]["error"] == true);
  sim.reset();
  CHECK(generate(sim, "carol", gen_body("still boom")).status == 500);
  sim.set_faults({{"account", "carol"}, {"error", false}});
  CHECK(generate(sim, "carol", gen_body("fixed")).status == 200);
}
