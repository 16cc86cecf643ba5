#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/chat.hpp"
#include "browser/cdp/chromium_session.hpp"
#include "browser/cdp/cdp_transport.hpp"

using namespace camoufleet::browser;
using namespace camoufleet::browser::cdp;

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

TEST_CASE("call_expression: any argument text becomes one safe JSON argument") {
  CHECK(call_expression("(a) => a", {{"t", "a\"b\\c\n</script>"}}) ==
        "((a) => a)({\"t\":\"a\\\"b\\\\c\\n</script>\"})");
  CHECK(call_expression("() => 1", nullptr) == "(() => 1)(null)");
  // Invalid UTF-8 must not throw (it would come from a user's prompt).
  CHECK_NOTHROW(call_expression("(a) => a", "\xff\xfe"));
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
