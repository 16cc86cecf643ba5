// The memory of /v1/responses answers (http/response_store.*) and the
// request reader using it: previous_response_id, item_reference.
#include "http/response_store.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "http/responses_request.hpp"
#include "response_objects.hpp"

using namespace camoufleet::http;
using camoufleet::testing::answered;
using camoufleet::testing::user;
using nlohmann::json;

TEST_CASE("response store: a conversation is the chain of turns, each kept once") {
  response_store store(1 << 20);
  store.save("resp_1", "", json::array({user("one")}), answered("resp_1", "first"));
  store.save("resp_2", "resp_1", json::array({user("two")}), answered("resp_2", "second"));
  const auto c = store.conversation("resp_2");
  REQUIRE(c);
  REQUIRE(c->size() == 4);
  CHECK((*c)[0]["content"] == "one");
  CHECK((*c)[1]["id"] == "msg_1");
  CHECK((*c)[2]["content"] == "two");
  CHECK((*c)[3]["content"][0]["text"] == "second");
  CHECK(store.conversation("resp_1")->size() == 2);
  CHECK(store.item("msg_2").value()["content"][0]["text"] == "second");
  CHECK_FALSE(store.item("msg_9"));
  CHECK(json::parse(store.response("resp_1").value())["id"] == "resp_1");
  CHECK_FALSE(store.conversation("resp_3"));

  // A continuation of something forgotten cannot be kept (nothing to chain to).
  store.save("resp_4", "resp_gone", json::array({user("x")}), answered("resp_4", "y"));
  CHECK_FALSE(store.response("resp_4"));

  // Deleted: gone, and so are its items; what continued it still holds its turn.
  CHECK(store.remove("resp_1"));
  CHECK_FALSE(store.remove("resp_1"));
  CHECK_FALSE(store.response("resp_1"));
  CHECK_FALSE(store.item("msg_1"));
  CHECK(store.conversation("resp_2")->size() == 4);
}

TEST_CASE("response store: bounded in bytes, the oldest forgotten first") {
  const std::string text(1000, 'x');
  response_store store(10000);
  for (int i = 0; i < 20; ++i) {
    const std::string id = "resp_" + std::to_string(i);
    store.save(id, "", json::array({user("q")}), answered(id, text));
    CHECK(store.bytes() <= 10000);
  }
  CHECK(store.size() < 20);
  CHECK(store.size() > 0);
  CHECK_FALSE(store.response("resp_0"));
  CHECK(store.response("resp_19"));
  // A chain counts the whole conversation it needs: a long one is forgotten
  // sooner than its turns alone would say.
  std::string previous;
  for (int i = 0; i < 30; ++i) {
    const std::string id = "resp_c" + std::to_string(i);
    store.save(id, previous, json::array({user("q")}), answered(id, text));
    if (store.response(id)) previous = id;
    CHECK(store.bytes() <= 10000);
  }
  // Whatever was kept can still be continued: its turns are all there.
  REQUIRE_FALSE(previous.empty());
  CHECK(store.conversation(previous)->size() % 2 == 0);
  CHECK(store.conversation(previous)->size() >= 2);
  // One answer bigger than the whole memory is not kept, and evicts nothing.
  const auto before = store.size();
  store.save("resp_big", "", json::array({user(std::string(20000, 'y'))}),
             answered("resp_big", ""));
  CHECK_FALSE(store.response("resp_big"));
  CHECK(store.size() == before);

  response_store none(0);
  none.save("resp_1", "", json::array({user("q")}), answered("resp_1", "a"));
  CHECK_FALSE(none.enabled());
  CHECK(none.size() == 0);
}

TEST_CASE("responses request: previous_response_id and item_reference read the memory") {
  response_store store(1 << 20);
  store.save("resp_1", "", json::array({user("What is 2+2?")}), answered("resp_1", "4"));

  auto r = parse_responses_request(
      R"({"previous_response_id":"resp_1","instructions":"Be brief.","input":"And 3+3?"})", false,
      &store);
  REQUIRE(r.chat.ok);
  const auto& m = r.chat.request.messages;
  REQUIRE(m.size() == 4);
  CHECK(m[0].role == "system");  // only this request's instructions
  CHECK(m[1].content == "What is 2+2?");
  CHECK(m[2].role == "assistant");
  CHECK(m[2].content == "4");
  CHECK(m[3].content == "And 3+3?");
  CHECK(r.previous_response_id == "resp_1");
  CHECK(r.echo["previous_response_id"] == "resp_1");
  // What is remembered of this request: its own input only.
  CHECK(r.input_items == json::array({user("And 3+3?")}));
  CHECK(r.store);

  // The AI SDK's way: earlier output items by reference.
  r = parse_responses_request(
      R"({"store":false,"input":[{"role":"user","content":"What is 2+2?"},
          {"type":"item_reference","id":"msg_1"},{"role":"user","content":"Sure?"}]})",
      false, &store);
  REQUIRE(r.chat.ok);
  REQUIRE(r.chat.request.messages.size() == 3);
  CHECK(r.chat.request.messages[1].content == "4");
  CHECK(r.input_items[1]["id"] == "msg_1");  // kept resolved, not as a reference
  CHECK_FALSE(r.store);

  const auto gone =
      parse_responses_request(R"({"previous_response_id":"resp_9","input":"x"})", false, &store);
  CHECK_FALSE(gone.chat.ok);
  CHECK(gone.chat.error.param == "previous_response_id");
  CHECK(gone.chat.error.message.find("--responses-store-mb") != std::string::npos);
}

TEST_CASE("response store: a background response's status, its answer, and its end") {
  response_store store(1 << 20);
  const auto status_object = [](const std::string& id, const char* status) {
    return json({{"id", id}, {"object", "response"}, {"status", status}, {"output", json::array()}})
        .dump();
  };
  CHECK_FALSE(store.status("resp_1"));
  CHECK_FALSE(store.refresh("resp_1", status_object("resp_1", "in_progress")));
  CHECK_FALSE(store.save("resp_1", "", json::array({user("Hi")}), answered("resp_1", "Hello"),
                         true));  // only_if_kept, and it is not
  CHECK_FALSE(store.response("resp_1"));

  CHECK(store.save("resp_1", "", json::array({user("Hi")}), status_object("resp_1", "queued")));
  CHECK(store.status("resp_1") == "queued");
  CHECK(store.input_items("resp_1") == json::array({user("Hi")}));
  const auto queued_bytes = store.bytes();
  CHECK(store.refresh("resp_1", status_object("resp_1", "in_progress")));
  CHECK(store.status("resp_1") == "in_progress");
  CHECK(store.bytes() == queued_bytes + 5);  // "in_progress" is 5 longer than "queued"
  CHECK(json::parse(*store.response("resp_1"))["status"] == "in_progress");

  // A turn still running has no answer to continue from.
  auto r =
      parse_responses_request(R"({"previous_response_id":"resp_1","input":"And?"})", false, &store);
  REQUIRE_FALSE(r.chat.ok);
  CHECK(r.chat.error.param == "previous_response_id");
  CHECK(r.chat.error.message.find("status is 'in_progress'; continue from it once it has "
                                  "completed") != std::string::npos);

  json done = json::parse(answered("resp_1", "Hello"));
  done["status"] = "completed";
  CHECK(store.save("resp_1", "", json::array({user("Hi")}), done.dump(), true));
  CHECK(store.status("resp_1") == "completed");
  CHECK(store.size() == 1);
  r = parse_responses_request(R"({"previous_response_id":"resp_1","input":"And?"})", false, &store);
  REQUIRE(r.chat.ok);
  CHECK(r.chat.request.messages.size() == 3);

  // One that failed has none either.
  CHECK(store.save("resp_2", "", json::array({user("Hi")}), status_object("resp_2", "queued")));
  CHECK(store.refresh("resp_2", status_object("resp_2", "failed")));
  r = parse_responses_request(R"({"previous_response_id":"resp_2","input":"And?"})", false, &store);
  REQUIRE_FALSE(r.chat.ok);
  CHECK(r.chat.error.message.find("status is 'failed'.") != std::string::npos);

  // Deleted while it ran: its answer is not kept after all.
  CHECK(store.save("resp_3", "", json::array({user("Hi")}), status_object("resp_3", "queued")));
  CHECK(store.remove("resp_3"));
  CHECK_FALSE(store.save("resp_3", "", json::array({user("Hi")}), answered("resp_3", "x"), true));
  CHECK_FALSE(store.status("resp_3"));
  CHECK(store.size() == 2);
}
