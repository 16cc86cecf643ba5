#pragma once
// Whether an answer is what its request demands (params.ask_again asks
// once more when it is not: chat_page::ask_again): the function call
// tool_choice requires, and JSON that keeps to response_format — checked
// against its JSON Schema as far as OpenAI's
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

// What is wrong with an answer as its request demands it: "" when nothing
// is. tool_choice "required": at least one call; a named function: calls
// of it only; else (an answer of text that ended normally) as
// json_answer_problem. A cut-off or blocked answer is not held against.
std::string reply_problem(const core::generation_result& answer,
                          const core::generation_params& params);

}  // namespace camoufleet::site
