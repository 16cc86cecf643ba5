// --model-alias, the pure part (http/model_aliases.*); the server's use of
// it is in server_admin_test.cpp.
#include "http/model_aliases.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace camoufleet;
using namespace camoufleet::http;

TEST_CASE("model aliases: a name stands for a model, and is listed after it") {
  const model_aliases none;
  CHECK(none.empty());
  CHECK(none.target("gpt-4o") == nullptr);

  const model_aliases aliases({{"gpt-4o", "gemini-2.5-pro"},
                               {"gpt-4o-mini", "gemini-2.5-flash"},
                               {"o3", "gemini-2.5-pro"},
                               {"gpt-5", "gemini-9"}});
  REQUIRE(aliases.target("gpt-4o") != nullptr);
  CHECK(*aliases.target("gpt-4o") == "gemini-2.5-pro");
  CHECK(*aliases.target("o3") == "gemini-2.5-pro");
  CHECK(aliases.target("gemini-2.5-pro") == nullptr);  // a model is not its own alias
  CHECK(aliases.target("GPT-4O") == nullptr);          // names are exact, as model ids are

  const std::vector<core::model_info> site = {{"gemini-2.5-pro", "Gemini 2.5 Pro"},
                                              {"gemini-2.5-flash", ""}};
  const auto listed = aliases.listed(site);
  std::vector<std::string> ids, names;
  for (const auto& m : listed) {
    ids.push_back(m.id);
    names.push_back(m.display_name);
  }
  // gpt-5's model is not on the site: not listed.
  CHECK(ids == std::vector<std::string>{"gemini-2.5-pro", "gpt-4o", "o3", "gemini-2.5-flash",
                                        "gpt-4o-mini"});
  CHECK(names == std::vector<std::string>{"Gemini 2.5 Pro", "Gemini 2.5 Pro (as gpt-4o)",
                                          "Gemini 2.5 Pro (as o3)", "",
                                          "gemini-2.5-flash (as gpt-4o-mini)"});
  CHECK(none.listed(site).size() == 2);
}
