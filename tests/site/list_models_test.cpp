#include "site/list_models.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace camoufleet::site;
using camoufleet::core::driver_error;
using camoufleet::core::model_info;

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

TEST_CASE("texts_for_model: exactly the texts model_id_for maps to the id") {
  std::vector<model_info> known = {{"gemini-2.5-pro", "Gemini 2.5 Pro"},
                                   {"gemini-2.0-flash", "Gemini 2.0 Flash"},
                                   // A display name that is another model's id.
                                   {"odd", "gemini-2.5-pro"}};
  CHECK(texts_for_model("gemini-2.0-flash", known, "models/") ==
        std::vector<std::string>{"gemini-2.0-flash", "models/gemini-2.0-flash", "Gemini 2.0 Flash"});
  // "gemini-2.5-pro" maps to the first model it names: not to "odd".
  CHECK(texts_for_model("odd", known, "models/") == std::vector<std::string>{"odd", "models/odd"});
  // Without a list only the id forms are known.
  CHECK(texts_for_model("x", {}, "models/") == std::vector<std::string>{"x", "models/x"});
  for (const auto& t : texts_for_model("gemini-2.5-pro", known, "models/"))
    CHECK(model_id_for(t, known, "models/") == "gemini-2.5-pro");
}
