#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "sim/stream_format.hpp"

using namespace camoufleet::sim;

TEST_CASE("sim stream format: chunks are exactly the documented shapes") {
  CHECK(text_chunk("Hel") == R"([[[[[[null,"Hel"]],"model"]]]])");
  CHECK(final_chunk(1, 12, 40, 52) == R"([[[[[[null,""]],"model"],1]],null,[12,40,52]])");
  auto thought = nlohmann::json::parse(thought_chunk("hmm"));
  const auto& part = thought[0][0][0][0][0];
  CHECK(part.size() == 13);
  CHECK(part[0].is_null());
  CHECK(part[1] == "hmm");
  CHECK(part[12] == 1);
  CHECK(thought[0][0][0][1] == "model");
}

TEST_CASE("sim stream format: pieces join into one JSON array that decodes to the answer") {
  answer_input in;
  in.prompt = "quote \" backslash \\ unicode \xc3\xa9";
  in.thinking = true;
  in.length = 6;
  in.max_output_tokens = 4;
  auto a = compute_answer(in);
  auto pieces = encode_answer(a);
  REQUIRE(pieces.size() == a.reasoning_tokens.size() + a.text_tokens.size() + 1);
  CHECK(pieces.front().front() == '[');
  CHECK(pieces[1].front() == ',');
  CHECK(pieces.back().back() == ']');
  std::string body;
  for (const auto& p : pieces) body += p;
  auto d = decode_stream(body);
  CHECK(d.text == a.text());
  CHECK(d.reasoning == a.reasoning());
  CHECK(d.finish == finish_length);
  CHECK(d.prompt_tokens == a.prompt_tokens);
  CHECK(d.candidates_tokens == a.candidates_tokens);
  CHECK(d.total_tokens == a.total_tokens);
  CHECK(d.chunks == static_cast<int>(pieces.size()));
}

TEST_CASE("sim stream format: a single-token answer is still a valid array") {
  answer a;
  a.text_tokens = {"x"};
  a.finish = finish_stop;
  auto pieces = encode_answer(a);
  REQUIRE(pieces.size() == 2);
  auto d = decode_stream(pieces[0] + pieces[1]);
  CHECK(d.text == "x");
  CHECK(d.finish == 1);
}

TEST_CASE("sim stream format: ListModels lists models/<id> with display name and max tokens") {
  auto j = nlohmann::json::parse(list_models_body());
  REQUIRE(j.is_array());
  REQUIRE(j[0].size() == known_models().size());
  for (std::size_t i = 0; i < known_models().size(); ++i) {
    const auto& m = known_models()[i];
    CHECK(j[0][i][0] == "models/" + m.id);
    CHECK(j[0][i][1].is_null());
    CHECK(j[0][i][3] == m.display_name);
    CHECK(j[0][i][6] == m.max_output_tokens);
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
