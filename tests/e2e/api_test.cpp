// The product as users meet it: camoufleet --multi on real Chromium and the
// simulator, driven over HTTP.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <map>
#include <set>

#include "sim/answer.hpp"
#include "tests/e2e/fleet_fixture.hpp"
#include "tests/e2e/sse_reader.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using nlohmann::json;

TEST_CASE("e2e: health and instances describe a ready fleet of three") {
  fleet_fixture f;
  auto h = f.get("/health");
  CHECK(h.status == 200);
  auto hj = h.json();
  CHECK(hj["status"] == "healthy");
  CHECK(hj["multi_instance_mode"] == true);
  CHECK(hj["total_instances"] == 3);
  CHECK(hj["ready_instances"] == 3);
  CHECK(hj["busy_instances"] == 0);
  CHECK(hj["error_instances"] == 0);

  auto inst = f.instances();
  REQUIRE(inst.contains("instances"));
  CHECK(inst["total_instances"] == 3);
  CHECK(inst["ready_instances"] == 3);
  std::set<std::string> files;
  std::set<int> ports;
  for (const auto& i : inst["instances"]) {
    CHECK(i["status"] == "ready");
    CHECK(i["error_count"] == 0);
    CHECK(i["ws_endpoint"].get<std::string>().rfind("ws://127.0.0.1:", 0) == 0);
    files.insert(i["auth_file"].get<std::string>());
    ports.insert(i["port"].get<int>());
  }
  CHECK(files == std::set<std::string>{"alice.json", "bob.json", "carol.json"});
  CHECK(ports.size() == 3);
  // No cookie value of any profile leaks into the API.
  CHECK(inst.dump().find("SID-") == std::string::npos);
}

TEST_CASE("e2e: a non-stream completion returns the page's exact answer") {
  fleet_fixture f;
  auto r = f.post("/v1/chat/completions", chat_body("Hello there fleet"));
  REQUIRE(r.status == 200);
  auto j = r.json();
  CHECK(j["object"] == "chat.completion");
  CHECK(j["choices"][0]["message"]["role"] == "assistant");
  CHECK(j["choices"][0]["message"]["content"] == expected_answer("Hello there fleet"));
  CHECK(j["choices"][0]["finish_reason"] == "stop");
  CHECK(j["usage"]["total_tokens"].get<int>() > 0);
  CHECK(r.header("X-Request-Id") == j["id"].get<std::string>());
  auto served_by = r.header("X-Camoufleet-Instance");
  CHECK(served_by.rfind("instance_", 0) == 0);

  // The simulator saw exactly that prompt, once.
  auto st = f.sim().state();
  REQUIRE(st["requests"].size() == 1);
  CHECK(st["requests"][0]["prompt"] == "Hello there fleet");
  CHECK(st["requests"][0]["status"] == "done");
}

TEST_CASE("e2e: a streamed completion follows the OpenAI chunk format") {
  fleet_fixture f;
  json body = chat_body("Stream me a few words", "gemini-2.5-pro", true);
  body["stream_options"] = {{"include_usage", true}};
  auto r = f.post("/v1/chat/completions", body);
  INFO("stream body: " << r.body);
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type").find("text/event-stream") != std::string::npos);
  CHECK(r.header("X-Camoufleet-Instance").rfind("instance_", 0) == 0);
  auto s = parse_sse(r.body);
  REQUIRE(s.done());
  auto chunks = s.chunks();
  REQUIRE(chunks.size() >= 4);
  std::set<std::string> ids;
  for (const auto& c : chunks) ids.insert(c["id"].get<std::string>());
  CHECK(ids.size() == 1);
  CHECK(chunks.front()["choices"][0]["delta"]["role"] == "assistant");
  CHECK(s.content() == expected_answer("Stream me a few words"));
  CHECK_FALSE(s.reasoning().empty());  // thinking is on by default for 2.5 models
  // Second to last: the empty delta with the finish reason; last: usage.
  const auto& fin = chunks[chunks.size() - 2];
  CHECK(fin["choices"][0]["finish_reason"] == "stop");
  CHECK(chunks.back()["choices"].empty());
  CHECK(chunks.back()["usage"]["completion_tokens"].get<int>() > 0);
}

namespace {

// Width and height from a PNG's IHDR; {0, 0} when it is not a PNG.
std::pair<std::uint32_t, std::uint32_t> png_size(const std::string& png) {
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return {0, 0};
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(png[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

}  // namespace

TEST_CASE("e2e: a screenshot of a busy instance's page is a PNG of the tab") {
  fleet_config cfg;
  cfg.accounts = 1;
  fleet_fixture f(cfg);
  // A slow answer, so the picture is taken while the instance is busy.
  f.sim().set_pacing({{"first_token_ms", 20}, {"token_ms", 150}, {"tokens", 30}});
  auto call = std::async(std::launch::async, [&f] {
    return f.post("/v1/chat/completions", chat_body("Picture me busy", "gemini-2.5-pro", true));
  });
  REQUIRE(testing::wait_until([&] { return f.instances()["instances"][0]["status"] == "busy"; },
                              30s));
  auto shot = f.get("/v1/instances/instance_1/screenshot");
  REQUIRE(shot.status == 200);
  CHECK(shot.header("Content-Type") == "image/png");
  auto [w, h] = png_size(shot.body);
  INFO("screenshot " << w << "x" << h << ", " << shot.body.size() << " bytes");
  CHECK(w >= 800);
  CHECK(h >= 500);
  CHECK(f.instances()["instances"][0]["status"] == "busy");
  // The answer it was busy with is not disturbed.
  auto r = call.get();
  REQUIRE(r.status == 200);
  auto s = parse_sse(r.body);
  CHECK(s.done());
  f.sim().set_pacing({{"first_token_ms", 20}, {"token_ms", 5}});

  auto unknown = f.get("/v1/instances/instance_9/screenshot");
  CHECK(unknown.status == 404);
  CHECK(unknown.json()["error"]["param"] == "instance_id");
}

TEST_CASE("e2e: nine concurrent completions on three instances: three each (LRU)") {
  fleet_fixture f;
  // What the upstream guide's test script did: health, instances, N
  // concurrent completions spread over the instances, latency figures.
  using clock = std::chrono::steady_clock;
  std::vector<std::future<std::pair<testing::http_response, long>>> calls;
  for (int i = 0; i < 9; ++i)
    calls.push_back(std::async(std::launch::async, [&f, i] {
      const auto t0 = clock::now();
      auto r = f.post("/v1/chat/completions", chat_body("concurrent request " + std::to_string(i)),
                      {}, 120s);
      return std::make_pair(
          r, static_cast<long>(
                 std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t0).count()));
    }));
  std::map<std::string, int> by_instance;
  std::vector<long> latencies;
  for (int i = 0; i < 9; ++i) {
    auto [r, ms] = calls[static_cast<std::size_t>(i)].get();
    REQUIRE(r.status == 200);
    CHECK(r.json()["choices"][0]["message"]["content"] ==
          expected_answer("concurrent request " + std::to_string(i)));
    by_instance[r.header("X-Camoufleet-Instance")]++;
    latencies.push_back(ms);
  }
  std::sort(latencies.begin(), latencies.end());
  MESSAGE("figure: 9 concurrent completions on 3 instances: latency min " << latencies.front()
          << " ms, p50 " << latencies[4] << " ms, max " << latencies.back() << " ms");
  CHECK(by_instance.size() == 3);
  for (const auto& [id, n] : by_instance) CHECK_MESSAGE(n == 3, id);

  // Each instance publishes its count after its answer has gone out, so a
  // loaded machine may show the last one a moment later.
  nlohmann::json instances;
  const bool all_counted = testing::wait_until(
      [&] {
        instances = f.instances();
        for (const auto& i : instances["instances"])
          if (i["served"] != 3) return false;
        return true;
      },
      10s, 20ms);
  INFO("instances: " << instances.dump());
  CHECK(all_counted);
  auto accounts = f.sim().state()["accounts"];
  for (const char* a : {"alice", "bob", "carol"}) CHECK(accounts[a]["requests"] == 3);
}

TEST_CASE("e2e: /v1/models lists what the page offers") {
  fleet_fixture f;
  auto r = f.get("/v1/models");
  REQUIRE(r.status == 200);
  auto j = r.json();
  CHECK(j["object"] == "list");
  std::set<std::string> ids;
  for (const auto& m : j["data"]) {
    CHECK(m["object"] == "model");
    ids.insert(m["id"].get<std::string>());
  }
  const auto offered = f.offered_models();  // the 2026 page also has a Gemini 3 model
  CHECK(ids == std::set<std::string>(offered.begin(), offered.end()));
  CHECK(ids.count("gemini-2.5-pro") == 1);
}

TEST_CASE("e2e: settings and model reach the page") {
  fleet_fixture f(with_accounts(1));
  json body = chat_body("Settings travel", "gemini-2.0-flash");
  body["temperature"] = 0.3;
  body["top_p"] = 0.5;
  body["max_tokens"] = 5;
  auto r = f.post("/v1/chat/completions", body);
  REQUIRE(r.status == 200);
  auto j = r.json();
  sim::answer_input in;
  in.prompt = "Settings travel";
  in.model = "gemini-2.0-flash";
  in.temperature = 0.3;
  in.top_p = 0.5;
  in.max_output_tokens = 5;
  auto expected = sim::compute_answer(in);
  CHECK(j["choices"][0]["message"]["content"] == expected.text());
  CHECK(j["choices"][0]["finish_reason"] == "length");
  auto req = f.sim().state()["requests"].back();
  CHECK(req["model"] == "gemini-2.0-flash");
  CHECK(req["temperature"].get<double>() == doctest::Approx(0.3));
  CHECK(req["top_p"].get<double>() == doctest::Approx(0.5));
  CHECK(req["max_output_tokens"] == 5);
}

TEST_CASE("e2e: client mistakes get OpenAI errors with the right status") {
  fleet_fixture f(with_accounts(1));
  auto bad_json = testing::http_request("POST", f.port(), "/v1/chat/completions", "{not json",
                                        {{"Content-Type", "application/json"}});
  CHECK(bad_json.status == 400);
  CHECK(bad_json.json()["error"]["type"] == "invalid_request_error");

  auto empty = f.post("/v1/chat/completions", {{"model", "gemini-2.5-pro"}, {"messages", json::array()}});
  CHECK(empty.status == 400);
  CHECK(empty.json()["error"]["message"].get<std::string>().find("messages") != std::string::npos);

  auto unknown_model = f.post("/v1/chat/completions", chat_body("hi", "gpt-9-ultra"));
  CHECK(unknown_model.status == 404);
  CHECK(unknown_model.json()["error"]["code"] == "model_not_found");

  auto no_route = f.get("/v1/nothing-here");
  CHECK(no_route.status == 404);
  CHECK(no_route.json().contains("error"));

  // Still serving.
  CHECK(f.post("/v1/chat/completions", chat_body("still fine")).status == 200);
}

TEST_CASE("e2e: n choices are pages' answers, asked side by side on the fleet") {
  fleet_fixture f;  // three instances
  const std::string prompt = "three ways to say it";
  const auto one = f.post("/v1/chat/completions", chat_body(prompt));
  REQUIRE(one.status == 200);
  auto body = chat_body(prompt);
  body["n"] = 3;
  const auto r = f.post("/v1/chat/completions", body);
  REQUIRE(r.status == 200);
  const auto j = r.json();
  REQUIRE(j["choices"].size() == 3);
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(j["choices"][i]["index"] == i);
    CHECK(j["choices"][i]["message"]["content"] == expected_answer(prompt));
    CHECK(j["choices"][i]["finish_reason"] == "stop");
  }
  // One prompt, three answers.
  const auto single = one.json()["usage"];
  CHECK(j["usage"]["prompt_tokens"] == single["prompt_tokens"]);
  CHECK(j["usage"]["completion_tokens"] == 3 * single["completion_tokens"].get<int>());
  // Each choice on an instance of its own: all three were free.
  std::set<std::string> instances;
  std::string list = r.header("X-Camoufleet-Instance");
  for (std::size_t at = 0; at != std::string::npos;) {
    const auto comma = list.find(',', at);
    instances.insert(list.substr(at, comma == std::string::npos ? comma : comma - at));
    at = comma == std::string::npos ? comma : comma + 1;
  }
  CHECK(instances.size() == 3);
  // Streamed: each choice's chunks carry its index, one [DONE] at the end.
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  const auto streamed = f.post("/v1/chat/completions", body);
  REQUIRE(streamed.status == 200);
  const auto s = parse_sse(streamed.body);
  CHECK(s.done());
  CHECK(std::count(s.data.begin(), s.data.end(), "[DONE]") == 1);
  std::map<int, std::string> texts;
  json usage;
  for (const auto& c : s.chunks()) {
    if (c["choices"].empty()) {
      usage = c["usage"];
      continue;
    }
    const auto& choice = c["choices"][0];
    if (choice["delta"].contains("content"))
      texts[choice["index"].get<int>()] += choice["delta"]["content"].get<std::string>();
  }
  REQUIRE(texts.size() == 3);
  for (const auto& [i, text] : texts) {
    CAPTURE(i);
    CHECK(text == expected_answer(prompt));
  }
  CHECK(usage["prompt_tokens"] == single["prompt_tokens"]);
  CHECK(usage["completion_tokens"] == 3 * single["completion_tokens"].get<int>());
}

TEST_CASE("e2e: with keys configured every route but /health needs one, SIGHUP reloads them") {
  fleet_config cfg = with_accounts(1);
  cfg.api_keys = {"sk-test-one", "sk-test-two"};
  fleet_fixture f(cfg);
  CHECK(f.get("/health").status == 200);
  CHECK(f.get("/v1/models").status == 401);
  CHECK(f.get("/v1/models", {{"Authorization", "Bearer wrong"}}).status == 401);
  auto ok = f.get("/v1/models", {{"Authorization", "Bearer sk-test-two"}});
  CHECK(ok.status == 200);
  auto denied = f.post("/v1/chat/completions", chat_body("hi"));
  CHECK(denied.status == 401);
  CHECK(denied.json()["error"]["code"] == "invalid_api_key");

  // The key file rewritten (as an editor saves it: a new file moved in
  // place), then `systemctl reload`: the new key works, a removed one no
  // longer does, and nothing restarted.
  const std::string keys = f.auth_dir() + "/../keys.txt";
  const auto rewrite = [&keys](const std::string& text) {
    {
      std::ofstream out(keys + ".new");
      out << text;
    }
    REQUIRE(std::rename((keys + ".new").c_str(), keys.c_str()) == 0);
  };
  const auto models_with = [&f](const std::string& key) {
    return f.get("/v1/models", {{"Authorization", "Bearer " + key}}).status;
  };
  rewrite("# rotated\nsk-test-three\nsk-test-two\n");
  REQUIRE(::kill(f.server().pid(), SIGHUP) == 0);
  CHECK(testing::wait_until([&] { return models_with("sk-test-three") == 200; }, 10s));
  CHECK(models_with("sk-test-one") == 401);
  CHECK(models_with("sk-test-two") == 200);
  CHECK(f.post("/v1/chat/completions", chat_body("after the reload"),
               {{"Authorization", "Bearer sk-test-three"}})
            .status == 200);
  // A file left with no key would turn auth off: the keys in use stay.
  rewrite("# nothing here\n");
  REQUIRE(::kill(f.server().pid(), SIGHUP) == 0);
  CHECK(testing::wait_until(
      [&] {
        for (const auto& l : f.log_lines())
          if (l.find("SIGHUP: the API keys in use stay") != std::string::npos) return true;
        return false;
      },
      10s));
  CHECK(models_with("sk-test-three") == 200);
  CHECK(f.get("/v1/models").status == 401);
  // Keys never appear in the log.
  for (const auto& l : f.log_lines()) CHECK(l.find("sk-test-") == std::string::npos);
}

TEST_CASE("e2e: an idle page that served gets a garbage collection in its browser") {
  // Its next health check (every second here) finds it idle after an answer
  // and asks the page's engine for a full collection.
  fleet_config cfg = with_accounts(1);
  cfg.server_args = {"--monitor-interval", "1", "--log-level", "debug"};
  fleet_fixture f(cfg);
  auto r = f.post("/v1/chat/completions", chat_body("garbage after this answer"));
  REQUIRE(r.status == 200);
  std::string line;
  REQUIRE_MESSAGE(testing::wait_until(
                      [&] {
                        for (const auto& l : f.log_lines())
                          if (l.find("after a garbage collection") != std::string::npos) line = l;
                        return !line.empty();
                      },
                      30s),
                  "no collection logged");
  INFO(line);
  double before = -1, after = -1;
  const auto at = line.find("Page heap ");
  REQUIRE(at != std::string::npos);
  REQUIRE(std::sscanf(line.c_str() + at, "Page heap %lf MB, %lf MB after", &before, &after) == 2);
  CHECK(before > 0);
  CHECK(after > 0);
  CHECK(after <= before);
}
