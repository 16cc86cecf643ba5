#pragma once
// What the simulator's HTTP tests share (sim_http_test.cpp, sim_faults_test.cpp):
// the RPC path, an account's headers, a GenerateContent body, the admin
// state's record of a prompt and the answer the simulator should compute.

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/answer.hpp"
#include "test_support.hpp"

namespace sim_http_test {

using namespace camoufleet;
using namespace camoufleet::testing;
using nlohmann::json;

inline const std::string rpc = "/$rpc/google.internal.alkali.applications.makersuite.v1.MakerSuiteService/";

inline header_list auth(const std::string& account) {
  return {{"Cookie", sim_process::cookie_header(account)},
          {"Content-Type", "application/json+protobuf"}};
}

inline json gen_body(const std::string& prompt) {
  return {{"model", "models/gemini-2.5-pro"}, {"prompt", prompt}, {"temperature", 0.7},
          {"top_p", 0.9},  {"max_output_tokens", 65536},      {"stop", json::array()},
          {"thinking", false}, {"thinking_budget", -1}};
}

inline http_response generate(const sim_process& sim, const std::string& account, const json& body) {
  return http_request("POST", sim.port(), rpc + "GenerateContent", body.dump(), auth(account), 20s);
}

// The request records of the admin state with this prompt.
inline json request_with_prompt(const sim_process& sim, const std::string& prompt) {
  auto st = sim.state();  // named: a range-for over a temporary's member would dangle
  for (const auto& r : st["requests"])
    if (r["prompt"] == prompt) return r;
  return json();
}

inline std::string status_of(const sim_process& sim, const std::string& prompt) {
  auto r = request_with_prompt(sim, prompt);
  return r.is_null() ? "" : r["status"].get<std::string>();
}

inline sim::answer expected(const json& body, int tokens = 24) {
  sim::answer_input in;
  in.prompt = body["prompt"];
  in.model = body["model"];
  in.temperature = body["temperature"];
  in.top_p = body["top_p"];
  in.max_output_tokens = body["max_output_tokens"];
  in.stop = body["stop"].get<std::vector<std::string>>();
  in.thinking = body["thinking"];
  in.thinking_budget = body["thinking_budget"];
  in.length = tokens;
  return sim::compute_answer(in);
}

using clock_type = std::chrono::steady_clock;
inline long long ms_since(clock_type::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t).count();
}

}  // namespace sim_http_test
