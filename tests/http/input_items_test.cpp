// GET /v1/responses/{id}/input_items without sockets: the items named as the
// listing shows them (name_input_items), kept per response by the store, and
// paged (input_items_page) the way the openai SDK's cursor pages read them.
#include "http/input_items.hpp"

#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/response_store.hpp"
#include "http/responses_request.hpp"

using namespace camoufleet::http;
using nlohmann::json;

namespace {

json page_of(const json& items, std::map<std::string, std::string> query) {
  const auto p = input_items_page(items, query);
  REQUIRE_FALSE(p.error);
  return json::parse(p.body);
}

std::vector<std::string> ids(const json& page) {
  std::vector<std::string> out;
  for (const auto& item : page["data"]) out.push_back(item["id"]);
  return out;
}

json five_items() {
  json items = json::array();
  for (int i = 0; i < 5; ++i)
    items.push_back({{"id", "i" + std::to_string(i)}, {"type", "message"}});
  return items;
}

}  // namespace

TEST_CASE("input items: every item named, a message's text as a part") {
  auto r = parse_responses_request(
      R"({"input":[{"role":"user","content":"hi"},
                   {"type":"message","role":"assistant","content":"hello"},
                   {"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},
                   {"type":"function_call_output","call_id":"c1","output":"42"},
                   {"type":"message","id":"msg_mine","role":"user",
                    "content":[{"type":"input_text","text":"more"}]}]})");
  REQUIRE(r.chat.ok);
  name_input_items(r.input_items, "resp_abc");
  const auto& items = r.input_items;
  REQUIRE(items.size() == 5);
  CHECK(items[0] == json({{"type", "message"},
                          {"role", "user"},
                          {"content", {{{"type", "input_text"}, {"text", "hi"}}}},
                          {"status", "completed"},
                          {"id", "msg_abc_in0"}}));
  CHECK(items[1]["content"] ==
        json({{{"type", "output_text"}, {"text", "hello"}, {"annotations", json::array()}}}));
  CHECK(items[2]["id"] == "fc_abc_in2");
  CHECK(items[3]["id"] == "fco_abc_in3");
  CHECK(items[4]["id"] == "msg_mine");  // an id it came with is kept

  // A string input is one user message.
  auto s = parse_responses_request(R"({"input":"just text"})");
  name_input_items(s.input_items, "resp_x");
  CHECK(s.input_items.size() == 1);
  CHECK(s.input_items[0]["content"][0]["text"] == "just text");

  // Named parts read back as the same conversation.
  response_store store(1 << 20);
  store.save("resp_abc", "", r.input_items, R"({"output":[]})");
  auto next = parse_responses_request(
      R"({"previous_response_id":"resp_abc","input":[{"type":"item_reference","id":"msg_abc_in0"}]})",
      false, &store);
  REQUIRE(next.chat.ok);
  CHECK(next.chat.request.messages.front().content == "hi");
  CHECK(next.chat.request.messages.back().content == "hi");  // the reference resolved
}

TEST_CASE("input items: the store keeps each response's own input, not the turns before") {
  response_store store(1 << 20);
  store.save("resp_1", "", json::array({{{"id", "a"}}, {{"id", "b"}}}),
             R"({"output":[{"id":"out1","type":"message"}]})");
  store.save("resp_2", "resp_1", json::array({{{"id", "c"}}}), R"({"output":[]})");
  CHECK(store.input_items("resp_1") == json::array({{{"id", "a"}}, {{"id", "b"}}}));
  CHECK(store.input_items("resp_2") == json::array({{{"id", "c"}}}));
  CHECK_FALSE(store.input_items("resp_3"));
  store.remove("resp_1");
  CHECK_FALSE(store.input_items("resp_1"));
  CHECK(store.input_items("resp_2"));  // its turn still holds what it continued
}

TEST_CASE("input items: pages, newest first unless asc, after an id") {
  const auto items = five_items();
  const auto all = page_of(items, {});
  CHECK(ids(all) == std::vector<std::string>{"i4", "i3", "i2", "i1", "i0"});
  CHECK(all["object"] == "list");
  CHECK(all["first_id"] == "i4");
  CHECK(all["last_id"] == "i0");
  CHECK(all["has_more"] == false);

  const auto first = page_of(items, {{"order", "asc"}, {"limit", "2"}});
  CHECK(ids(first) == std::vector<std::string>{"i0", "i1"});
  CHECK(first["has_more"] == true);
  const auto second = page_of(items, {{"order", "asc"}, {"limit", "2"}, {"after", "i1"}});
  CHECK(ids(second) == std::vector<std::string>{"i2", "i3"});
  CHECK(second["has_more"] == true);
  const auto last = page_of(items, {{"order", "asc"}, {"limit", "2"}, {"after", "i3"}});
  CHECK(ids(last) == std::vector<std::string>{"i4"});
  CHECK(last["has_more"] == false);
  const auto desc = page_of(items, {{"limit", "3"}, {"after", "i3"}});
  CHECK(ids(desc) == std::vector<std::string>{"i2", "i1", "i0"});

  const auto past_end = page_of(items, {{"after", "i0"}});
  CHECK(past_end["data"].empty());
  CHECK(past_end["first_id"].is_null());
  CHECK(past_end["has_more"] == false);
  CHECK(page_of(json::array(), {})["data"].empty());
  // include and unknown parameters change nothing.
  CHECK(page_of(items, {{"include[]", "message.input_image.image_url"}, {"x", "1"}}) == all);
}

TEST_CASE("input items: a bad parameter is a 400 naming it") {
  const auto items = five_items();
  for (const char* limit : {"0", "101", "-1", "ten", "", "1.5", "0020"}) {
    CAPTURE(limit);
    const auto p = input_items_page(items, {{"limit", limit}});
    REQUIRE(p.error);
    CHECK(p.error->status == 400);
    CHECK(p.error->param == "limit");
  }
  CHECK(page_of(items, {{"limit", "100"}})["data"].size() == 5);
  const auto order = input_items_page(items, {{"order", "newest"}});
  REQUIRE(order.error);
  CHECK(order.error->param == "order");
  CHECK(order.error->message.find("'asc' and 'desc'") != std::string::npos);
  const auto after = input_items_page(items, {{"after", "nope"}});
  REQUIRE(after.error);
  CHECK(after.error->param == "after");
}
