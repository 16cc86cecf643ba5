#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "cdp/chat.hpp"
#include "cdp/chromium_session.hpp"
#include "cdp/page.hpp"

using namespace camoufleet::cdp;

TEST_CASE("base64_decode: CDP bodies decode, junk is refused") {
  CHECK(base64_decode("") == "");
  CHECK(base64_decode("TWFu") == "Man");
  CHECK(base64_decode("TWE=") == "Ma");
  CHECK(base64_decode("TQ==") == "M");
  CHECK(base64_decode("W1tbWw==\n") == "[[[[");
  CHECK(base64_decode("4oKs8J+YgA==") == "\xe2\x82\xac\xf0\x9f\x98\x80");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  // "AAECAw..." is the base64 of bytes 0..255.
  const std::string enc =
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+"
      "P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+"
      "AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/"
      "wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";
  CHECK(base64_decode(enc) == all);
  CHECK_THROWS_AS(base64_decode("TW!u"), std::invalid_argument);
  CHECK_THROWS_AS(base64_decode("TQ==TQ"), std::invalid_argument);
  CHECK_THROWS_AS(base64_decode("T"), std::invalid_argument);
}

TEST_CASE("parse_list_models: ids and display names out of the ListModels shape") {
  const std::string body =
      R"([[["models/gemini-2.5-pro",null,"001","Gemini 2.5 Pro","desc",null,65536],)"
      R"(["models/gemini-2.0-flash",null,"001","Gemini 2.0 Flash","d",null,8192],)"
      R"(["models/bare"]],"next-page-token"])";
  auto ms = parse_list_models(body, "models/");
  REQUIRE(ms.size() == 3);
  CHECK(ms[0].id == "gemini-2.5-pro");
  CHECK(ms[0].display_name == "Gemini 2.5 Pro");
  CHECK(ms[1].id == "gemini-2.0-flash");
  CHECK(ms[2].display_name == "bare");
  // Found at another depth too.
  auto deeper = parse_list_models(R"([null,[[["models/x",null,"1","X"]]]])", "models/");
  REQUIRE(deeper.size() == 1);
  CHECK(deeper[0].display_name == "X");
  CHECK_THROWS_AS(parse_list_models("nope", "models/"), driver_error);
  CHECK_THROWS_AS(parse_list_models("[[1,2]]", "models/"), driver_error);
}

TEST_CASE("model_id_for: display names, ids and prefixed ids map to the id") {
  std::vector<model_info> known = {{"gemini-2.5-pro", "Gemini 2.5 Pro"},
                                   {"gemini-2.0-flash", "Gemini 2.0 Flash"}};
  CHECK(model_id_for("  Gemini 2.0 Flash\n", known, "models/") == "gemini-2.0-flash");
  CHECK(model_id_for("gemini-2.5-pro", known, "models/") == "gemini-2.5-pro");
  CHECK(model_id_for("models/gemini-2.5-pro", known, "models/") == "gemini-2.5-pro");
  CHECK(model_id_for("models/other", known, "models/") == "other");
  CHECK(model_id_for("Something", {}, "models/") == "Something");
}

TEST_CASE("js_string: any text becomes one safe JavaScript literal") {
  CHECK(js_string("a\"b\\c\n</script>") == "\"a\\\"b\\\\c\\n</script>\"");
  CHECK(js_string("\xe2\x82\xac") == "\"\xe2\x82\xac\"");
  // Invalid UTF-8 must not throw (it would come from a user's prompt).
  CHECK_NOTHROW(js_string("\xff\xfe"));
}

TEST_CASE("exit_latch: reports once, only while armed") {
  std::vector<std::string> calls;
  {
    exit_latch l([&](const std::string& r) { calls.push_back(r); });
    l.report("early");  // before arm: remembered, not reported
    CHECK(l.gone());
    CHECK_FALSE(l.arm());
    CHECK(calls.empty());
    CHECK(l.reason() == "early");
  }
  {
    exit_latch l([&](const std::string& r) { calls.push_back(r); });
    CHECK(l.arm());
    l.report("browser exited");
    l.report("socket closed");
    CHECK(calls == std::vector<std::string>{"browser exited"});
  }
  calls.clear();
  {
    exit_latch l([&](const std::string& r) { calls.push_back(r); });
    CHECK(l.arm());
    l.disarm();
    l.report("after close");
    CHECK(calls.empty());
  }
}

TEST_CASE("exit_latch: concurrent reports still call back exactly once") {
  std::atomic<int> calls{0};
  exit_latch l([&](const std::string&) { ++calls; });
  REQUIRE(l.arm());
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i) ts.emplace_back([&l, i] { l.report("r" + std::to_string(i)); });
  for (auto& t : ts) t.join();
  CHECK(calls == 1);
}
