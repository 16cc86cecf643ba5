#pragma once
// Whether a JSON value keeps to a JSON Schema, as far as OpenAI's
// structured outputs write schemas (and the SDKs' zod / pydantic
// converters): type (one or a list, "integer" and "null" included), enum,
// const, properties / required / additionalProperties, items, prefixItems,
// min/maxItems, min/maxLength, minimum / maximum (and the exclusive ones),
// multipleOf, anyOf / oneOf / allOf, not, and `$ref` to `#`,
// `#/$defs/...` or `#/definitions/...`. Other keywords (pattern, format,
// descriptions, titles, ...) are not checked. Pure; never throws; nesting
// (and `$ref`s) deeper than 64 levels is not followed, and a check stops
// after 100000 steps (anyOf over anyOf grows as 2^depth).

#include <nlohmann/json.hpp>
#include <string>

#include "core/chat.hpp"

namespace camoufleet::site {

// "" when `value` keeps to `schema`; else the first place it does not, as
// `$.items[2].name: expected an integer, got "3"`.
std::string schema_violation(const nlohmann::json& value, const nlohmann::json& schema);

// What is wrong with an answer asked for as JSON (params.response_format,
// its fence already taken off): "" when nothing is, or when no JSON was
// asked for. json_object: one JSON object; json_schema: one JSON value
// that keeps to the schema.
std::string json_answer_problem(const std::string& content, const core::generation_params& params);

}  // namespace camoufleet::site
