// Tools -> the page's function declarations, and the stream's function-call
// parts -> calls, from the shapes in ../shared/FACTS.md section 5.
#include "site/function_calls.hpp"

#include <doctest/doctest.h>

using namespace camoufleet::site;
using nlohmann::json;

namespace {

json tool(const std::string& name, json parameters) {
  return {{"type", "function"},
          {"function", {{"name", name}, {"description", "d"}, {"parameters", parameters}}}};
}

std::string error_key(const json& t) {
  try {
    to_function_declaration(t);
  } catch (const tool_schema_error& e) {
    return e.key();
  }
  return "";
}

}  // namespace

TEST_CASE("function calls: a plain tool keeps its schema") {
  json p = {{"type", "object"},
            {"properties",
             {{"city", {{"type", "string"}, {"description", "where"}}},
              {"days", {{"type", "integer"}, {"minimum", 1}, {"maximum", 7}}},
              {"units", {{"type", "string"}, {"enum", {"C", "F"}}}}}},
            {"required", {"city"}}};
  auto d = to_function_declaration(tool("get_weather", p));
  CHECK(d["name"] == "get_weather");
  CHECK(d["description"] == "d");
  CHECK(d["parameters"] == p);
}

TEST_CASE("function calls: keys the page rejects are dropped or rewritten as peers do") {
  json p = {{"type", "object"},
            {"title", "Args"},
            {"$schema", "http://json-schema.org/draft-07/schema#"},
            {"additionalProperties", false},
            {"properties",
             {{"when", {{"anyOf", {{{"type", "string"}}, {{"type", "null"}}}}, {"default", nullptr}}},
              {"mode", {{"const", "fast"}}},
              {"count", {{"type", {"integer", "null"}}, {"exclusiveMinimum", 0}}},
              {"tags", {{"type", "array"}, {"items", {{"oneOf", {{{"type", "string"}}}}}},
                        {"uniqueItems", true}}},
              {"level", {{"enum", {1, 2}}}}}},
            {"strict", true}};
  auto d = to_function_declaration(tool("plan", p));
  const auto& out = d["parameters"];
  CHECK_FALSE(out.contains("title"));
  CHECK_FALSE(out.contains("$schema"));
  CHECK_FALSE(out.contains("additionalProperties"));
  CHECK_FALSE(out.contains("strict"));
  CHECK(out["properties"]["when"] == json{{"type", "string"}, {"nullable", true}});
  CHECK(out["properties"]["mode"] == json{{"enum", {"fast"}}, {"type", "string"}});
  CHECK(out["properties"]["count"] == json{{"type", "integer"}, {"nullable", true}});
  CHECK(out["properties"]["tags"] == json{{"type", "array"}, {"items", {{"type", "string"}}}});
  CHECK(out["properties"]["level"] == json{{"enum", {"1", "2"}}, {"type", "string"}});
}

TEST_CASE("function calls: what cannot be converted names the tool and the key") {
  CHECK(error_key(tool("a", {{"type", "object"},
                             {"properties", {{"x", {{"$ref", "#/$defs/X"}}}}}})) ==
        "parameters.properties.x.$ref");
  CHECK(error_key(tool("a", {{"allOf", json::array()}})) == "parameters.allOf");
  CHECK(error_key(tool("a", {{"type", {"string", "integer"}}})) == "parameters.type");
  CHECK(error_key(tool("a", {{"anyOf", {{{"type", "null"}}}}})) == "parameters.anyOf");
  CHECK(error_key(tool("bad name!", {{"type", "object"}})) == "function.name");
  CHECK(error_key({{"type", "retrieval"}}) == "type");
  try {
    to_function_declaration(tool("weather", {{"not", {{"type", "string"}}}}));
    FAIL("no error");
  } catch (const tool_schema_error& e) {
    CHECK(e.tool() == "weather");
    CHECK(std::string(e.what()) ==
          "tool 'weather': parameters.not: the site does not accept this schema key");
  }
  CHECK_THROWS_AS(to_function_declarations(json::array({tool("x", nullptr), tool("x", nullptr)})),
                  tool_schema_error);
}

TEST_CASE("function calls: a tool without parameters, or with an empty object, has none") {
  auto a = to_function_declaration(tool("now", nullptr));
  CHECK_FALSE(a.contains("parameters"));
  auto b = to_function_declaration(
      tool("now", {{"type", "object"}, {"properties", json::object()}}));
  CHECK_FALSE(b.contains("parameters"));
}

TEST_CASE("function calls: every Struct value type decodes") {
  // [key, value]; the value array's length is its type.
  json fields = json::parse(R"([
    ["nothing", [null]],
    ["n", [null, 2.5]],
    ["s", [null, null, "Paris"]],
    ["yes", [null, null, null, 1]],
    ["no", [null, null, null, 0]],
    ["obj", [null, null, null, null, [["inner", [null, 1]]]]],
    ["list", [null, null, null, null, null, [[null, 1], [null, null, "a"], [null, null, null, 1]]]]
  ])");
  CHECK(decode_struct(fields) == json{{"nothing", nullptr},
                                      {"n", 2.5},
                                      {"s", "Paris"},
                                      {"yes", true},
                                      {"no", false},
                                      {"obj", {{"inner", 1}}},
                                      {"list", {1, "a", true}}});
}

TEST_CASE("function calls: extra wrapping and nesting are taken off") {
  // The same arguments wrapped once, twice, and as the fixture's part has them.
  const json plain = json::parse(R"([["city", [null, null, "Paris"]], ["days", [null, 3]]])");
  const json want = {{"city", "Paris"}, {"days", 3}};
  CHECK(decode_struct(plain) == want);
  CHECK(decode_struct(json::array({plain})) == want);
  CHECK(decode_struct(json::array({json::array({plain})})) == want);
  // A one-field struct and a one-item list stay what they are.
  CHECK(decode_struct(json::parse(R"([["only", [null, 1]]])")) == json{{"only", 1}});
  CHECK(decode_value(json::parse(R"([null,null,null,null,null,[[null,7]]])")) ==
        json::array({7}));
  CHECK(decode_value(json::parse(R"([null,null,null,null,null,[[[null,7],[null,8]]]])")) ==
        json{7, 8});
  // Deep nesting: a list of objects holding lists.
  json deep = json::parse(R"([["rows", [null,null,null,null,null,[[
      [null,null,null,null,[["cells",[null,null,null,null,null,[[null,1],[null,2]]]]]]
  ]]]]])");
  CHECK(decode_struct(deep) == json::parse(R"({"rows": [{"cells": [1, 2]}]})"));
  CHECK(decode_struct(json::array()) == json::object());
  CHECK(decode_struct(json::array({json::array()})) == json::object());
}

TEST_CASE("function calls: parts become calls, duplicates across chunks removed") {
  std::vector<std::string> parts = {
      R"(["get_weather",[[["city",[null,null,"Paris"]],["days",[null,3]]]]])",
      R"(["get_weather",[[["city",[null,null,"Paris"]],["days",[null,3]]]]])",  // repeated
      R"(["get_weather",[[["city",[null,null,"Oslo"]]]]])",                     // parallel call
      R"(["now"])",
      R"([1,2])",  // not a call
  };
  auto calls = decode_function_calls(parts);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].name == "get_weather");
  CHECK(calls[0].arguments == json{{"city", "Paris"}, {"days", 3}});
  CHECK(calls[1].arguments == json{{"city", "Oslo"}});
  CHECK(calls[2].name == "now");
  CHECK(calls[2].arguments == json::object());
}

TEST_CASE("function calls: the calls an answer turn shows, as the page renders them") {
  std::vector<std::pair<std::string, std::string>> shown = {
      {"get_weather", R"({"city":"Paris","days":3})"},
      {"get_weather", "{\n  \"city\": \"Paris\",\n  \"days\": 3\n}"},  // the same, pretty-printed
      {"now", ""},
      {"", R"({"x":1})"},         // no name: not a call
      {"search", "{not json"},  // kept as the text the page shows
  };
  auto calls = decode_shown_calls(shown);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].name == "get_weather");
  CHECK(calls[0].arguments == json{{"city", "Paris"}, {"days", 3}});
  CHECK(calls[1].name == "now");
  CHECK(calls[1].arguments == json::object());
  CHECK(calls[2].name == "search");
  CHECK(calls[2].arguments == json("{not json"));
}
