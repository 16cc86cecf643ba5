#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "sim/stream_format.hpp"

using namespace camoufleet::sim;

TEST_CASE("sim stream format: chunks are exactly the shapes of the real site") {
  CHECK(text_part("Hel") == R"([null,"Hel"])");
  CHECK(make_chunk(text_part("Hel"), {12, 0, 0}) ==
        R"([[[[[[null,"Hel"]],"model"]]],null,[12,null,12,null,[[1,12]]],null,null,null,null,"v1_sim"])");
  CHECK(make_chunk(text_part(""), {12, 40, 5}, 1, "v1_x") ==
        R"([[[[[[null,""]],"model"],1]],null,[12,40,57,null,[[1,12]],null,null,null,null,5],)"
        R"(null,null,null,null,"v1_x"])");
  auto thought = nlohmann::json::parse(thought_part("hmm"));
  CHECK(thought.size() == 13);
  CHECK(thought[0].is_null());
  CHECK(thought[1] == "hmm");
  CHECK(thought[12] == 1);
  auto sig = nlohmann::json::parse(signature_part("c2ln"));
  CHECK(sig.size() == 15);
  CHECK(sig[1] == "");
  CHECK(sig[14] == "c2ln");
  CHECK(meta_element("id") == R"([null,null,null,["id",1,1]])");
}

TEST_CASE("sim stream format: pieces join into the twice-wrapped list that decodes to the answer") {
  answer_input in;
  in.prompt = "quote \" backslash \\ unicode \xc3\xa9";
  in.thinking = true;
  in.length = 6;
  in.max_output_tokens = 4;
  auto a = compute_answer(in);
  auto pieces = encode_answer(a);
  // a chunk per reasoning and text token, the finish chunk, the metadata
  REQUIRE(pieces.size() == a.reasoning_tokens.size() + a.text_tokens.size() + 2);
  CHECK(pieces.front().rfind("[[", 0) == 0);
  CHECK(pieces[1].front() == ',');
  CHECK(pieces.back().substr(pieces.back().size() - 2) == "]]");
  std::string body;
  for (const auto& p : pieces) body += p;
  auto j = nlohmann::json::parse(body);
  REQUIRE(j.size() == 1);
  CHECK(j[0].back()[3][0] == "v1_sim");  // the metadata element closes the list
  auto d = decode_stream(body);
  CHECK(d.text == a.text());
  CHECK(d.reasoning == a.reasoning());
  CHECK(d.finish == finish_length);
  CHECK(d.prompt_tokens == a.prompt_tokens);
  CHECK(d.candidates_tokens == a.candidates_tokens);
  CHECK(d.thoughts_tokens == a.thoughts_tokens);
  CHECK(d.total_tokens == a.total_tokens);
  CHECK(d.chunks == static_cast<int>(pieces.size()) - 1);
  // Splitting the body again gives the pieces it was written in.
  CHECK(split_body(body) == pieces);
}

TEST_CASE("sim stream format: a single-token answer is still a valid body") {
  answer a;
  a.text_tokens = {"x"};
  a.finish = finish_stop;
  auto pieces = encode_answer(a);
  REQUIRE(pieces.size() == 3);
  auto d = decode_stream(pieces[0] + pieces[1] + pieces[2]);
  CHECK(d.text == "x");
  CHECK(d.finish == 1);
}

TEST_CASE("sim stream format: error pairs and blocked answers decode") {
  auto e = decode_stream(R"([[8,"Resource has been exhausted"]])");
  CHECK(e.error_code == 8);
  CHECK(e.error_message == "Resource has been exhausted");
  CHECK(e.chunks == 0);
  auto b = decode_stream(R"([[[[[[],8,null,"blocked"]],null,[3,null,3]]]])");
  CHECK(b.finish == 8);
  CHECK(b.finish_message == "blocked");
  CHECK(split_body(R"([[8,"x"]])") == std::vector<std::string>{R"([[8,"x"]])"});
}

TEST_CASE("sim stream format: ListModels lists models/<id> with display name and max tokens") {
  auto j = nlohmann::json::parse(list_models_body());
  REQUIRE(j.is_array());
  REQUIRE(j[0].size() == known_models().size() - 1);  // Gemini 3 only in the 2026 variant
  CHECK(nlohmann::json::parse(list_models_body(true))[0].size() == known_models().size());
  for (std::size_t i = 0; i + 1 < known_models().size(); ++i) {
    const auto& m = known_models()[i];
    CHECK(j[0][i][0] == "models/" + m.id);
    CHECK(j[0][i][1].is_null());
    CHECK(j[0][i][3] == m.display_name);
    CHECK(j[0][i][5] == 1048576);  // input token limit, then output
    CHECK(j[0][i][6] == m.max_output_tokens);
    CHECK(j[0][i][7].is_array());
  }
  CHECK(find_model("models/gemini-2.5-pro") != nullptr);
  CHECK(find_model("gpt-4") == nullptr);
}

TEST_CASE("sim stream format: error bodies carry the Google status names") {
  CHECK(rate_limit_body().find("RESOURCE_EXHAUSTED") != std::string::npos);
  CHECK(nlohmann::json::parse(rate_limit_body())["error"]["code"] == 429);
  CHECK(nlohmann::json::parse(internal_error_body())["error"]["code"] == 500);
  CHECK(nlohmann::json::parse(unauthenticated_body())["error"]["status"] == "UNAUTHENTICATED");
}
