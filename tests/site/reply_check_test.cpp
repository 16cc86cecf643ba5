// A reply checked against what its request demands (site/reply_check.*):
// the call tool_choice requires, JSON as response_format asks (the schema
// keywords structured outputs use, the place named), and the second try's
// wording (site/prompt.*).
#include "site/reply_check.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "site/prompt.hpp"

using namespace camoufleet;
using namespace camoufleet::site;
using nlohmann::json;

namespace {

// The trip schema a zod or pydantic model gives (strict: every property
// required, nothing else allowed, optional values nullable).
const json trip = json::parse(R"({
  "type": "object",
  "properties": {
    "city": {"type": "string", "minLength": 1},
    "days": {"type": "integer", "minimum": 1, "maximum": 30},
    "mode": {"type": ["string", "null"], "enum": ["train", "car", null]},
    "stops": {"type": "array", "items": {"$ref": "#/$defs/stop"}, "maxItems": 3}
  },
  "required": ["city", "days", "mode", "stops"],
  "additionalProperties": false,
  "$defs": {
    "stop": {"type": "object",
             "properties": {"name": {"type": "string"}, "nights": {"type": "integer"}},
             "required": ["name", "nights"], "additionalProperties": false}
  }
})");

std::string miss(const std::string& value) {
  return schema_violation(json::parse(value), trip);
}

generation_params asking(const std::string& format, const json& schema = nullptr) {
  generation_params p;
  p.response_format = format;
  if (!schema.is_null()) p.response_schema = json({{"name", "trip"}, {"schema", schema}}).dump();
  return p;
}

}  // namespace

TEST_CASE("schema check: a value that keeps to the schema passes") {
  CHECK(miss(R"({"city":"Paris","days":3,"mode":null,"stops":[]})").empty());
  CHECK(miss(R"({"city":"Paris","days":3.0,"mode":"car","stops":[{"name":"Lyon","nights":1}]})")
            .empty());
  CHECK(schema_violation(json::parse("[1,2]"), json::object()).empty());  // {} allows anything
  CHECK(schema_violation(json(5), json(true)).empty());
}

TEST_CASE("schema check: the first place that breaks it, named by its path") {
  CHECK(miss(R"({"city":"Paris","days":"three","mode":null,"stops":[]})") ==
        R"($.days: expected an integer, got "three")");
  CHECK(miss(R"({"city":"Paris","days":3,"mode":null})") ==
        "$: the required property 'stops' is missing");
  CHECK(miss(R"({"city":"Paris","days":3,"mode":null,"stops":[],"cost":9})") ==
        "$: the property 'cost' is not allowed");
  CHECK(miss(R"({"city":"","days":3,"mode":null,"stops":[]})") ==
        "$.city: shorter than 1 characters");
  CHECK(miss(R"({"city":"Paris","days":0,"mode":null,"stops":[]})") ==
        "$.days: 0.0 is less than 1");
  CHECK(miss(R"({"city":"Paris","days":2.5,"mode":null,"stops":[]})") ==
        "$.days: expected an integer, got 2.5");
  CHECK(miss(R"({"city":"Paris","days":3,"mode":"plane","stops":[]})") ==
        R"($.mode: "plane" is not one of ["train","car",null])");
  CHECK(miss(R"({"city":"Paris","days":3,"mode":1,"stops":[]})") ==
        "$.mode: expected string or null, got 1");
  // Through $ref, into an array's items.
  CHECK(
      miss(R"({"city":"P","days":3,"mode":null,"stops":[{"name":"L","nights":1},{"name":"M"}]})") ==
      "$.stops[1]: the required property 'nights' is missing");
  CHECK(miss(R"({"city":"P","days":3,"mode":null,"stops":[{},{},{},{}]})") ==
        "$.stops: 4 items, more than 3");
  CHECK(miss(R"(["Paris"])") == R"($: expected an object, got ["Paris"])");
}

TEST_CASE("schema check: combinations, strings and numbers") {
  const json either = json::parse(R"({"anyOf":[{"type":"string","maxLength":3},
                                               {"type":"integer","multipleOf":5}]})");
  CHECK(schema_violation(json("CDG"), either).empty());
  CHECK(schema_violation(json(15), either).empty());
  CHECK(schema_violation(json(7), either) ==
        "$: matches none of anyOf (the first says: $: expected a string, got 7)");
  CHECK(schema_violation(json("Paris"), either).find("$: matches none of anyOf") == 0);
  const json one = json::parse(R"({"oneOf":[{"type":"number"},{"type":"integer"}]})");
  CHECK(schema_violation(json(1.5), one).empty());
  CHECK(schema_violation(json(2), one) == "$: matches 2 of oneOf, not exactly one");
  CHECK(schema_violation(json("x"), json::parse(R"({"not":{"type":"string"}})")) ==
        "$: matches the schema under 'not'");
  CHECK(schema_violation(json("été"), json::parse(R"({"maxLength":3})")).empty());  // characters
  CHECK(schema_violation(json(3), json::parse(R"({"exclusiveMaximum":3})")) ==
        "$: 3.0 is not less than 3");
  CHECK(schema_violation(json("x"), json::parse(R"({"const":"y"})")) ==
        R"($: expected "y", got "x")");
  // A recursive schema through "#" ends; `pattern` is not checked (no regex
  // of a caller's runs on an answer); a $ref loop ends.
  const json tree = json::parse(
      R"({"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}}}})");
  CHECK(schema_violation(json::parse(R"({"kids":[{"kids":[{"kids":[]}]}]})"), tree).empty());
  CHECK(schema_violation(json::parse(R"({"kids":[{"kids":[1]}]})"), tree) ==
        "$.kids[0].kids[0]: expected an object, got 1");
  CHECK(schema_violation(json(std::string(100000, 'a')), json::parse(R"({"pattern":"^(a|b)*c$"})"))
            .empty());
  const json loop = json::parse(R"({"$defs":{"a":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"})");
  CHECK(schema_violation(json(1), loop).empty());
  // Two ways into itself at every level: 2^64 tries unless the check stops.
  const json doubling = json::parse(
      R"({"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"},{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"})");
  CHECK(schema_violation(json(1), doubling).empty());
}

TEST_CASE("json answer: what response_format asked for, and the second try's words") {
  CHECK(json_answer_problem("not json", asking("")).empty());  // plain text asked for
  CHECK(json_answer_problem("{\"a\":1}", asking("json_object")).empty());
  CHECK(json_answer_problem("Sure! {\"a\":1}", asking("json_object")) ==
        "the answer is not valid JSON");
  CHECK(json_answer_problem("[1]", asking("json_object")) == "the answer is not a JSON object");
  CHECK(json_answer_problem(R"({"city":"Paris","days":3,"mode":null,"stops":[]})",
                            asking("json_schema", trip))
            .empty());
  CHECK(json_answer_problem(R"({"city":"Paris"})", asking("json_schema", trip)) ==
        "$: the required property 'days' is missing");
  CHECK(json_answer_problem("[1]", asking("json_schema")).empty());  // no schema to keep to
  CHECK(ask_again_request("$.days: expected an integer, got \"three\"", asking("json_object")) ==
        "Your last answer cannot be used as it is: $.days: expected an integer, got \"three\". "
        "Answer the request above again, with the corrected JSON only.");
}

TEST_CASE("reply check: the call tool_choice requires, then the JSON") {
  core::generation_result text;
  text.content = "It is sunny.";
  text.finish_reason = "stop";
  core::generation_result called;
  called.finish_reason = "tool_calls";
  called.tool_calls = {{"call_1", "get_weather", R"({"city":"Paris"})"}};

  generation_params required;
  required.tool_choice = "required";
  CHECK(reply_problem(text, required) ==
        "it calls no function, and this request must be answered with a function call");
  CHECK(reply_problem(called, required).empty());
  CHECK(ask_again_request("it calls no function", required) ==
        "Your last answer cannot be used as it is: it calls no function. "
        "Answer the request above again, with the function call it needs.");

  generation_params named;
  named.tool_choice = "function";
  named.tool_choice_name = "get_time";
  CHECK(reply_problem(text, named) ==
        "it does not call the function get_time, which this request must call");
  CHECK(reply_problem(called, named) ==
        "it calls the function get_weather, and this request must call get_time only");
  named.tool_choice_name = "get_weather";
  CHECK(reply_problem(called, named).empty());

  // auto / none: calls or text as the model chose; text is then checked as JSON.
  generation_params json_auto = asking("json_object");
  json_auto.tool_choice = "auto";
  CHECK(reply_problem(text, json_auto) == "the answer is not valid JSON");
  CHECK(reply_problem(called, json_auto).empty());
  CHECK(reply_problem(text, generation_params{}).empty());
  // A cut-off or blocked answer is what it is: not asked for again.
  for (const char* reason : {"length", "content_filter"}) {
    core::generation_result cut = text;
    cut.finish_reason = reason;
    CHECK(reply_problem(cut, required).empty());
    CHECK(reply_problem(cut, json_auto).empty());
  }
}
