// --model-alias NAME=MODEL,...: other names for the site's models.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "config/settings_parser.hpp"
#include "parse_fixture.hpp"

using camoufleet::config::describe;
using camoufleet::config::test::check_error;
using camoufleet::config::test::parse_fixture;

using alias_list = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("model aliases: none by default, pairs from the flag or the environment") {
  parse_fixture f;
  auto d = f.parse({});
  REQUIRE_FALSE(d.exit_now);
  CHECK(d.value.model_aliases.empty());

  auto r = f.parse({"--model-alias", "gpt-4o=gemini-2.5-pro, gpt-4o-mini=models/gemini-2.5-flash"});
  REQUIRE_FALSE(r.exit_now);
  // The site's "models/" prefix is dropped, as it is from a request's model.
  CHECK(r.value.model_aliases ==
        alias_list{{"gpt-4o", "gemini-2.5-pro"}, {"gpt-4o-mini", "gemini-2.5-flash"}});
  CHECK(
      describe(r.value).find("model_aliases=gpt-4o=gemini-2.5-pro,gpt-4o-mini=gemini-2.5-flash") !=
      std::string::npos);

  f.env["CAMOUFLEET_MODEL_ALIASES"] = "o3:latest=gemini-2.5-pro";
  auto e = f.parse({});
  REQUIRE_FALSE(e.exit_now);
  CHECK(e.value.model_aliases == alias_list{{"o3:latest", "gemini-2.5-pro"}});
}

TEST_CASE("model aliases: a bad entry is one error line naming it") {
  parse_fixture f;
  check_error(f.parse({"--model-alias", "gpt-4o"}), "\"gpt-4o\", which is not NAME=MODEL");
  check_error(f.parse({"--model-alias", "=gemini-2.5-pro"}), "\"\" is not a model name");
  check_error(f.parse({"--model-alias", "gpt-4o="}), "\"\" is not a model name");
  check_error(f.parse({"--model-alias", "gpt/4o=gemini-2.5-pro"}),
              "\"gpt/4o\" is not a model name");
  check_error(f.parse({"--model-alias", "gemini-2.5-pro=gemini-2.5-pro"}),
              "a model named after itself");
  check_error(f.parse({"--model-alias", "gpt-4o=gemini-2.5-pro,gpt-4o=gemini-2.5-flash"}),
              "names \"gpt-4o\" twice (\"gemini-2.5-pro\" and \"gemini-2.5-flash\")");
  f.env["CAMOUFLEET_MODEL_ALIASES"] = "gpt-4o";
  check_error(f.parse({}), "(from environment variable CAMOUFLEET_MODEL_ALIASES)");
}
