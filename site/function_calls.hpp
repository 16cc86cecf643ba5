#pragma once
// Function calling, the site's side (FACTS section 5), as pure functions:
// OpenAI tool definitions -> the FunctionDeclarations the page's editor
// accepts, and the function-call parts of the GenerateContent stream
// (protobuf Struct arguments in array form) -> calls with JSON arguments.
// No I/O; every input shape the facts list has a unit test.

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/chat.hpp"

namespace camoufleet::site {

// A tool the page cannot take: `tool` names it, `key` the JSON path of the
// offending schema key (e.g. "parameters.properties.when.$ref").
class tool_schema_error : public std::runtime_error {
 public:
  tool_schema_error(std::string tool, std::string key, const std::string& why)
      : std::runtime_error("tool '" + tool + "': " + key + ": " + why),
        tool_(std::move(tool)),
        key_(std::move(key)) {}
  const std::string& tool() const noexcept { return tool_; }
  const std::string& key() const noexcept { return key_; }

 private:
  std::string tool_;
  std::string key_;
};

// One OpenAI tool `{"type":"function","function":{name, description?,
// parameters?}}` -> `{name, description?, parameters?}` in the subset of
// JSON Schema the page accepts: annotations it rejects are dropped
// (title, default, examples, $schema, $id, strict, additionalProperties,
// uniqueItems, multipleOf, exclusiveMinimum/Maximum), anyOf/oneOf become
// their first non-null option + nullable, const a one-value enum,
// ["x","null"] becomes x + nullable. Throws tool_schema_error for what
// cannot be converted ($ref, allOf, not, unknown keys, bad names).
nlohmann::json to_function_declaration(const nlohmann::json& openai_tool);
// All of them, in order; names must be unique.
nlohmann::json to_function_declarations(const nlohmann::json& openai_tools);

// A protobuf Struct (or Value / ListValue) in the stream's array form, with
// the extra wrapping the site adds now and then, -> plain JSON. A value's
// array length gives its type: 1 null, 2 number at [1], 3 string at [2],
// 4 bool at [3] (1 = true), 5 object at [4], 6 list at [5].
nlohmann::json decode_struct(const nlohmann::json& fields);
nlohmann::json decode_value(const nlohmann::json& value);

struct function_call {
  std::string name;
  nlohmann::json arguments = nlohmann::json::object();
};

// The stream parser's function-call parts (each the compact JSON of the
// array at the part's function-call index: `[name, args, ...]`) -> calls,
// in order, duplicates (the same name and arguments repeated by a later
// chunk) removed. Parts that are not `[string, ...]` are skipped.
std::vector<function_call> decode_function_calls(const std::vector<std::string>& parts);

// The calls an answer turn shows (name, arguments as the page renders them:
// JSON) -> calls, in order, duplicates removed. Empty arguments are `{}`;
// arguments that are not JSON are kept as their text (a JSON string), not
// dropped. Entries without a name are skipped.
std::vector<function_call> decode_shown_calls(
    const std::vector<std::pair<std::string, std::string>>& shown);

// The calls as OpenAI tool calls: a fresh "call_" + 24 letters and digits
// id each, arguments as compact JSON text.
std::vector<core::tool_call> to_tool_calls(const std::vector<function_call>& calls);

}  // namespace camoufleet::site
