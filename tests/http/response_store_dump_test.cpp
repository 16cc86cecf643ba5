// The memory of /v1/responses answers kept across a restart
// (http/response_store_dump.cpp): dump() read back by load() into a new
// store holds the same responses, conversations, items and statuses.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "http/response_store.hpp"
#include "response_objects.hpp"

using namespace camoufleet::http;
using camoufleet::testing::answered;
using camoufleet::testing::user;
using nlohmann::json;

namespace {

// resp_1 <- resp_2 <- resp_3, and resp_b apart (queued, no answer yet).
void fill(response_store& s) {
  s.save("resp_1", "", json::array({user("one")}), answered("resp_1", "first"));
  s.save("resp_2", "resp_1", json::array({user("two")}), answered("resp_2", "second"));
  s.save("resp_3", "resp_2", json::array({user("three")}),
         answered("resp_3", "third", "incomplete"));
  s.save("resp_b", "", json::array({user("later")}),
         R"({"id":"resp_b","status":"queued","output":[]})");
}

}  // namespace

TEST_CASE("response store file: dumped and loaded, the same answers, chains, items and statuses") {
  response_store before(1 << 20);
  fill(before);
  CHECK(before.remove("resp_1"));  // deleted: gone, though resp_2 still needs its turn
  const std::string doc = before.dump();

  response_store after(1 << 20);
  REQUIRE(after.load(doc).empty());
  CHECK(after.size() == before.size());
  CHECK(after.bytes() == before.bytes());
  CHECK_FALSE(after.response("resp_1"));
  CHECK_FALSE(after.item("msg_1"));
  for (const char* id : {"resp_2", "resp_3", "resp_b"}) {
    INFO(id);
    CHECK(after.response(id) == before.response(id));
    CHECK(after.status(id) == before.status(id));
    CHECK(after.conversation(id) == before.conversation(id));
    CHECK(after.input_items(id) == before.input_items(id));
  }
  CHECK(after.conversation("resp_3")->size() == 6);  // resp_1's turn came along
  CHECK(after.status("resp_3") == "incomplete");
  CHECK(after.status("resp_b") == "queued");
  CHECK(after.item("msg_2").value()["content"][0]["text"] == "second");
  // Turns are shared: resp_1's and resp_2's written once for both.
  const json d = json::parse(doc);
  CHECK(d["turns"].size() == 4);
  CHECK(d["responses"].size() == 3);
  // A dump of the loaded store is the same document.
  CHECK(after.dump() == doc);
  // It goes on like the store it came from.
  after.save("resp_4", "resp_3", json::array({user("four")}), answered("resp_4", "fourth"));
  CHECK(after.conversation("resp_4")->size() == 8);
}

TEST_CASE("response store file: oldest first, so a smaller bound forgets the oldest") {
  response_store before(1 << 20);
  fill(before);
  response_store small(before.bytes() - 1);  // one response's worth too small
  REQUIRE(small.load(before.dump()).empty());
  CHECK_FALSE(small.response("resp_1"));
  CHECK(small.response("resp_b"));
  CHECK(small.bytes() <= before.bytes() - 1);
  response_store none(0);
  REQUIRE(none.load(before.dump()).empty());
  CHECK(none.size() == 0);
}

TEST_CASE("response store file: a broken document loads nothing and says why") {
  response_store good(1 << 20);
  fill(good);
  const json doc = json::parse(good.dump());
  const auto broken = [&](auto change) {
    json d = doc;
    change(d);
    return d.dump();
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{nope", "not JSON"},
      {"[]", "not JSON"},
      {R"({"camoufleet_responses":"1"})", "version 1"},
      {R"({"camoufleet_responses":2,"turns":[],"responses":[]})", "version 1"},
      {R"({"camoufleet_responses":1})", "missing"},
      {broken([](json& d) { d["turns"][0]["parent"] = 3; }), "turn 0 names a parent"},
      {broken([](json& d) { d["turns"][1].erase("items"); }), "turn 1 is malformed"},
      {broken([](json& d) { d["turns"][0]["input_count"] = 9; }), "fewer items"},
      {broken([](json& d) { d["responses"][2]["turn"] = 99; }), "response 2 names no turn"},
      {broken([](json& d) { d["responses"][0]["response"] = json::object(); }),
       "response 0 is malformed"},
  };
  for (const auto& [text, says] : cases) {
    INFO(text);
    response_store s(1 << 20);
    const auto why = s.load(text);
    CHECK(why.find(says) != std::string::npos);
    CHECK(s.size() == 0);
  }
  // Loaded once: a second load is refused, the first stays.
  response_store s(1 << 20);
  REQUIRE(s.load(good.dump()).empty());
  CHECK(s.load(good.dump()) == "the store is not empty");
  CHECK(s.size() == good.size());
}

TEST_CASE("response store file: every change moves the generation, reads do not") {
  response_store s(1 << 20);
  auto g = s.generation();
  s.save("resp_1", "", json::array({user("one")}), answered("resp_1", "first"));
  CHECK(s.generation() > g);
  g = s.generation();
  (void)s.response("resp_1");
  (void)s.dump();
  CHECK(s.generation() == g);
  CHECK(s.refresh("resp_1", answered("resp_1", "first", "cancelled")));
  CHECK(s.generation() > g);
  g = s.generation();
  CHECK(s.remove("resp_1"));
  CHECK(s.generation() > g);
}
