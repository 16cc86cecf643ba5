// The real aistudio-sim binary over HTTP: auth, RPC formats, pacing, the
// admin API. Its faults: sim_faults_test.cpp.

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <fstream>

#include "sim/accounts.hpp"
#include "sim/stream_format.hpp"
#include "sim_http_helpers.hpp"

using namespace sim_http_test;

TEST_CASE("sim http: prints one listening line and serves the page only with a session") {
  sim_process sim;
  auto out = sim.process().stdout_lines();
  REQUIRE(out.size() == 1);
  CHECK(out[0] == "aistudio-sim listening on " + sim.base_url());

  auto r = http_request("GET", sim.port(), "/prompts/new_chat");
  CHECK(r.status == 302);
  CHECK(r.header("Location") == "/ServiceLogin?continue=%2Fprompts%2Fnew_chat");
  r = http_request("GET", sim.port(), "/prompts/new_chat", "", {{"Cookie", "SID=forged"}});
  CHECK(r.status == 302);

  r = http_request("GET", sim.port(), "/prompts/new_chat", "", auth("bob"));
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type").find("text/html") == 0);
  CHECK(r.body.find("<ms-prompt-box>") != std::string::npos);
  CHECK(r.body.find(R"(textarea aria-label="Enter a prompt")") != std::string::npos);
  CHECK(r.body.find(R"(data-test-id="model-name")") != std::string::npos);

  // The page's script is embedded in the binary too.
  r = http_request("GET", sim.port(), "/static/app.js");
  CHECK(r.status == 200);
  CHECK(r.body.find("GenerateContent") != std::string::npos);
}

TEST_CASE("sim http: RPCs answer 401 without a known SID, ListModels has the documented shape") {
  sim_process sim;
  auto r = http_request("POST", sim.port(), rpc + "ListModels", "[]");
  CHECK(r.status == 401);
  CHECK(r.json()["error"]["status"] == "UNAUTHENTICATED");
  r = generate(sim, "nobody", gen_body("x"));
  CHECK(r.status == 401);
  CHECK(sim.state()["requests"].empty());

  r = http_request("POST", sim.port(), rpc + "ListModels", "[]", auth("alice"));
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "application/json+protobuf");
  auto j = r.json();
  REQUIRE(j[0].size() >= 2);
  CHECK(j[0][0][0] == "models/gemini-2.5-pro");
  CHECK(j[0][0][3] == "Gemini 2.5 Pro");
  CHECK(j[0][0][6].is_number_integer());
}

TEST_CASE("sim http: GenerateContent streams the computed answer chunk by chunk") {
  sim_process sim({"--first-token-ms", "5", "--token-ms", "15", "--tokens", "10"});
  auto body = gen_body("stream me please");
  body["thinking"] = true;
  body["thinking_budget"] = 4;
  std::vector<std::string> pieces;
  auto r = http_request_stream("POST", sim.port(), rpc + "GenerateContent", body.dump(),
                               auth("carol"), [&](const std::string& p) {
                                 if (!p.empty()) pieces.push_back(p);
                                 return true;
                               });
  REQUIRE(r.error == "");
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "application/json+protobuf");
  CHECK(r.header("Transfer-Encoding") == "chunked");
  auto want = expected(body, 10);
  auto got = sim::decode_stream(r.body);
  CHECK(got.text == want.text());
  CHECK(got.reasoning == want.reasoning());
  CHECK(got.reasoning == "Thinking about stream me");
  CHECK(got.finish == 1);
  CHECK(got.candidates_tokens == 10);
  CHECK(got.thoughts_tokens == 4);
  CHECK(got.total_tokens == 17);
  // 15 ms between chunks: the client sees them arrive separately.
  CHECK(pieces.size() >= 5);

  auto rec = request_with_prompt(sim, "stream me please");
  CHECK(r.header("X-Sim-Request-Id") == std::to_string(rec["id"].get<int>()));
  CHECK(rec["status"] == "done");
  CHECK(rec["account"] == "carol");
  CHECK(rec["tokens_sent"] == 14);
  CHECK(rec["thinking"] == true);
  CHECK(rec["thinking_budget"] == 4);
  CHECK(rec["temperature"] == doctest::Approx(0.7));
  CHECK(rec["ended_ms"].get<long long>() >= rec["started_ms"].get<long long>());
  CHECK(sim.state()["accounts"]["carol"]["requests"] == 1);
  CHECK(sim.state()["accounts"]["carol"]["active"] == 0);
}

TEST_CASE("sim http: max tokens and stop sequences reach the answer") {
  sim_process sim({"--first-token-ms", "0", "--token-ms", "0"});
  auto body = gen_body("a b c d e f");
  body["max_output_tokens"] = 3;
  auto r = generate(sim, "alice", body);
  REQUIRE(r.status == 200);
  auto got = sim::decode_stream(r.body);
  CHECK(got.finish == 2);
  CHECK(got.text == expected(body).text());
  body["max_output_tokens"] = 100;
  body["stop"] = {"d"};
  got = sim::decode_stream(generate(sim, "alice", body).body);
  CHECK(got.finish == 1);
  CHECK(got.text == expected(body).text());
  CHECK(got.text.find(" a b c ") != std::string::npos);
  CHECK(got.text.find('d', got.text.find(']')) == std::string::npos);
}

TEST_CASE("sim http: pacing from the command line and the admin API") {
  sim_process sim({"--first-token-ms", "0", "--token-ms", "0", "--tokens", "4"});
  auto r = generate(sim, "alice", gen_body("short"));
  CHECK(sim::decode_stream(r.body).text == expected(gen_body("short"), 4).text());

  sim.set_pacing({{"first_token_ms", 300}, {"token_ms", 40}, {"tokens", 6}});
  auto state = sim.state();
  CHECK(state["pacing"]["first_token_ms"] == 300);
  auto start = clock_type::now();
  long long first_ms = -1;
  r = http_request_stream("POST", sim.port(), rpc + "GenerateContent", gen_body("slow").dump(),
                          auth("alice"), [&](const std::string& p) {
                            if (!p.empty() && first_ms < 0) first_ms = ms_since(start);
                            return true;
                          });
  auto total_ms = ms_since(start);
  REQUIRE(r.status == 200);
  CHECK(first_ms >= 300);
  CHECK(total_ms >= 300 + 6 * 40);
  CHECK(sim::decode_stream(r.body).text == expected(gen_body("slow"), 6).text());

  sim.reset();
  CHECK(sim.state()["pacing"]["tokens"] == 4);
  CHECK(http_request("POST", sim.port(), "/__admin/pacing", R"({"tokens":0})").status == 400);
}

TEST_CASE("sim http: admin API rejects bad bodies") {
  sim_process sim;
  auto post = [&](const std::string& path, const std::string& body) {
    return http_request("POST", sim.port(), path, body, {{"Content-Type", "application/json"}});
  };
  CHECK(post("/__admin/faults", "{not json").status == 400);
  CHECK(post("/__admin/faults", R"({"account":"mallory","hang":true})").status == 404);
  CHECK(post("/__admin/faults", R"({"hang":1})").status == 400);
  CHECK(post("/__admin/pacing", R"({"token_ms":"fast"})").status == 400);
  CHECK(post("/__admin/nothing", "{}").status == 404);
  auto ok = post("/__admin/faults", R"({"hang":true})");
  CHECK(ok.status == 200);
  CHECK(ok.json()["ok"] == true);
  CHECK(sim.state()["faults"]["*"]["hang"] == true);
}

TEST_CASE("sim http: accounts stream concurrently and are counted separately") {
  sim_process sim({"--accounts", "2", "--first-token-ms", "0", "--token-ms", "10", "--tokens", "8"});
  std::vector<std::string> names = {"alice", "user1", "user2"};
  std::vector<http_response> results(names.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < names.size(); ++i)
    threads.emplace_back([&, i] { results[i] = generate(sim, names[i], gen_body("same prompt")); });
  for (auto& t : threads) t.join();
  auto want = expected(gen_body("same prompt"), 8).text();
  for (auto& r : results) {
    CHECK(r.status == 200);
    // The answer does not depend on the account.
    CHECK(sim::decode_stream(r.body).text == want);
  }
  auto st = sim.state();
  for (const auto& n : names) {
    CHECK(st["accounts"][n]["requests"] == 1);
    CHECK(st["accounts"][n]["active"] == 0);
  }
  CHECK(generate(sim, "user3", gen_body("x")).status == 401);
}

TEST_CASE("sim http: written profiles carry cookies the simulator accepts") {
  sim_process sim({"--accounts", "1"});
  temp_dir dir;
  sim.write_profiles(dir.path(), 1);
  for (const auto& name : {"alice", "bob", "carol", "user1"}) {
    std::ifstream in(dir.file(std::string(name) + ".json"));
    REQUIRE(in.good());
    auto profile = json::parse(in);
    std::string header;
    for (const auto& c : profile["cookies"])
      header += (header.empty() ? "" : "; ") + c["name"].get<std::string>() + "=" +
                c["value"].get<std::string>();
    CHECK(http_request("POST", sim.port(), rpc + "ListModels", "[]", {{"Cookie", header}}).status ==
          200);
    REQUIRE(profile["origins"].size() == 1);
    CHECK(profile["origins"][0]["origin"] == sim.base_url());
  }
}

TEST_CASE("sim cli: a bad --fault stops start-up, --write-profiles without a port has no origin") {
  child_process bad({sim_process::binary(), "--port", "0", "--fault", R"({"account":"zed","hang":true})"});
  auto status = bad.wait_exit(10s);
  REQUIRE(status);
  CHECK(WEXITSTATUS(*status) == 2);
  CHECK(bad.wait_for_line(std::regex("unknown account zed"), 1s));
  CHECK(bad.stdout_lines().empty());

  temp_dir dir;
  child_process writer({sim_process::binary(), "--write-profiles", dir.path()});
  status = writer.wait_exit(10s);
  REQUIRE(status);
  CHECK(WEXITSTATUS(*status) == 0);
  std::ifstream in(dir.file("carol.json"));
  REQUIRE(in.good());
  auto profile = json::parse(in);
  CHECK(profile["origins"].empty());
  CHECK(profile["cookies"][0]["value"] == sim::make_account("carol").sid());
  CHECK_FALSE(std::ifstream(dir.file("user1.json")).good());
}
