#include "config/logging.hpp"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

using namespace camoufleet::config;

namespace {

struct captured_log {
  std::ostringstream out;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink =
      std::make_shared<spdlog::sinks::ostream_sink_mt>(out);

  explicit captured_log(const std::string& level, const std::string& format = "text") {
    init_logging(level, sink, format);
  }
  // Leave a working default logger behind, not one writing into a dead stream.
  ~captured_log() { init_logging("info"); }

  std::string text() {
    spdlog::default_logger()->flush();
    return out.str();
  }
};

// "2026-11-29 16:50:01.123 " at the start: digits where the pattern puts them.
bool starts_with_timestamp(const std::string& line) {
  const std::string shape = "dddd-dd-dd dd:dd:dd.ddd ";
  if (line.size() < shape.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    bool digit = std::isdigit(static_cast<unsigned char>(line[i])) != 0;
    if (shape[i] == 'd' ? !digit : line[i] != shape[i]) return false;
  }
  return true;
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("logging: lines carry time, level and logger name") {
  captured_log log("info");
  spdlog::info("server listening on port {}", 2048);
  auto text = log.text();
  CHECK(contains(text, "[camoufleet] server listening on port 2048"));
  CHECK(contains(text, "info"));
  CHECK(starts_with_timestamp(text));
}

TEST_CASE("logging: instance loggers tag every line with the instance id") {
  captured_log log("info");
  auto one = instance_logger("instance_1");
  auto two = instance_logger("instance_2");
  one->info("browser started");
  two->warn("cooling down");
  one->info("ready");
  auto text = log.text();
  CHECK(contains(text, "[instance_1] browser started"));
  CHECK(contains(text, "[instance_2] cooling down"));
  CHECK(contains(text, "[instance_1] ready"));
  CHECK(instance_logger("instance_1") == one);  // same id, same logger
}

TEST_CASE("logging: the level filters the default and instance loggers") {
  captured_log log("warn");
  spdlog::info("hidden info");
  instance_logger("instance_3")->debug("hidden debug");
  instance_logger("instance_3")->error("shown error");
  auto text = log.text();
  CHECK_FALSE(contains(text, "hidden"));
  CHECK(contains(text, "[instance_3] shown error"));
}

TEST_CASE("logging: debug level shows debug lines") {
  captured_log log("debug");
  instance_logger("instance_4")->debug("details");
  CHECK(contains(log.text(), "[instance_4] details"));
}

TEST_CASE("logging: off silences everything") {
  captured_log log("off");
  spdlog::error("nothing");
  instance_logger("instance_5")->error("nothing either");
  CHECK(log.text().empty());
}

TEST_CASE("logging: an unknown level falls back to info and says so") {
  captured_log log("chatty");
  spdlog::debug("hidden");
  spdlog::info("shown");
  auto text = log.text();
  CHECK(contains(text, "unknown log level \"chatty\", using info"));
  CHECK(contains(text, "shown"));
  CHECK_FALSE(contains(text, "hidden"));
}

TEST_CASE("logging: instances asking for their loggers at once get one each") {
  captured_log log("info");
  constexpr int threads = 4;
  constexpr int ids = 3;
  std::vector<std::shared_ptr<spdlog::logger>> got(threads * 50);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([t, &got] {
      for (int i = 0; i < 50; ++i) {
        got[t * 50 + i] = instance_logger("instance_" + std::to_string(10 + i % ids));
      }
    });
  }
  for (auto& w : workers) w.join();
  for (std::size_t i = 0; i < got.size(); ++i) {
    REQUIRE(got[i] != nullptr);
    CHECK(got[i] == instance_logger("instance_" + std::to_string(10 + (i % 50) % ids)));
  }
}

TEST_CASE("logging: --log-format json writes one JSON object per line") {
  captured_log log("info", "json");
  spdlog::info("http: {} reply -> {}", "chatcmpl-1", 200);
  // What site text may bring into a message: quotes, backslashes, a line
  // break, a control character and broken UTF-8.
  instance_logger("instance_7")->warn("page said \"hi\"\\ \n next\x01 \xff caf\xc3\xa9");
  spdlog::debug("hidden");
  // The actors' loggers are clones of the default one (actors/*_actor.cpp).
  spdlog::default_logger()->clone("balancer")->info("ready");
  std::istringstream lines(log.text());
  std::vector<nlohmann::json> got;
  for (std::string line; std::getline(lines, line);) {
    CAPTURE(line);
    auto j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    got.push_back(std::move(j));
  }
  REQUIRE(got.size() == 3);  // the line break stayed inside its line
  CHECK(got[0]["level"] == "info");
  CHECK(got[0]["logger"] == "camoufleet");
  CHECK(got[0]["msg"] == "http: chatcmpl-1 reply -> 200");
  // 2026-12-07T14:16:08.882+00:00: ISO 8601 with milliseconds and the offset.
  const std::string time = got[0]["time"];
  REQUIRE(time.size() == 29);
  CHECK(time[10] == 'T');
  CHECK(time[19] == '.');
  CHECK((time[23] == '+' || time[23] == '-'));
  CHECK(got[1]["level"] == "warning");
  CHECK(got[1]["logger"] == "instance_7");
  CHECK(got[1]["msg"] == "page said \"hi\"\\ \n next\x01 \xef\xbf\xbd caf\xc3\xa9");
  CHECK(got[2]["logger"] == "balancer");
  CHECK(got[2]["msg"] == "ready");
}
