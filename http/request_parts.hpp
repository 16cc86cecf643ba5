#pragma once
// The parts of a chat request beyond plain text: `tools` / `tool_choice`,
// an assistant turn's `tool_calls`, a tool turn's `tool_call_id`, and
// `image_url` content parts. Each reader returns the 400 to send (message
// naming the field, `param`) or nullopt. Pure, never throws.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/chat.hpp"
#include "http/chat_request.hpp"

namespace camoufleet::http {

// Images per request and bytes per image (decoded). The request body limit
// (--max-request-bytes) bounds them too.
constexpr std::size_t max_images = 10;
constexpr std::size_t max_image_bytes = 8 * 1024 * 1024;
constexpr std::size_t max_tools = 128;

// "null" | "object" | "array" | "string" | "boolean" | "number".
const char* json_type_name(const nlohmann::json& v);

// The 400 a reader returns: the message and the field it names.
request_error bad_field(std::string message, std::string param);
// "Invalid type for 'where': expected <expected>, but got <its JSON type>."
request_error wrong_type(const std::string& where, const char* expected, const nlohmann::json& got);

// obj[key], a string that must be there (where: obj's path, for the 400).
std::optional<request_error> read_string_field(const nlohmann::json& obj, const char* key,
                                               const std::string& where, std::string& out);

// `tools` (type "function" only) converted to the page's function
// declarations (site/function_calls.hpp: an unconvertible schema is a 400
// naming the tool and the key), and `tool_choice`. Fills
// params.function_declarations ("" without tools or with tool_choice
// "none"), params.tool_choice and params.tool_choice_name.
std::optional<request_error> read_tools(const nlohmann::json& body,
                                        core::generation_params& params);

// `response_format`: {"type":"text"}, {"type":"json_object"} or
// {"type":"json_schema","json_schema":{"name":..., "schema":{...}, ...}}.
// Fills params.response_format / response_schema.
std::optional<request_error> read_response_format(const nlohmann::json& body,
                                                  core::generation_params& params);

// `stop`: a string or at most max_stop_sequences strings (empty ones
// dropped). Fills params.stop.
std::optional<request_error> read_stop(const nlohmann::json& body, core::generation_params& params);

// `n`: 1..limit choices (absent or null = 1). Fills choices.
std::optional<request_error> read_choices(const nlohmann::json& body, int limit, int& choices);

// `web_search_options` (an object; its fields are for OpenAI's own search
// and have no control on the page): Google Search grounding for this
// answer. Refused with function tools, which grounding excludes on the
// page. Call after read_tools.
std::optional<request_error> read_web_search(const nlohmann::json& body,
                                             core::generation_params& params);

// An assistant message's `tool_calls` (absent or null = none).
std::optional<request_error> read_tool_calls(const nlohmann::json& message,
                                             const std::string& where,
                                             std::vector<core::tool_call>& out);

// A tool message's `tool_call_id` (a string; absent is accepted).
std::optional<request_error> read_tool_call_id(const nlohmann::json& message,
                                               const std::string& where, std::string& out);

// One `{"type":"image_url","image_url":{"url":"data:<mime>;base64,..."}}`
// part (where = its path) -> the decoded file. Only png, jpeg, webp and gif,
// checked against the bytes. http(s) URLs are refused (nothing is fetched)
// unless `fetch_urls` (--image-urls fetch): then an http:// URL leaves `out`
// a placeholder to fetch — mime_type "" and data = the URL (https is still
// refused, with a 400 saying why).
std::optional<request_error> read_image_part(const nlohmann::json& part, const std::string& where,
                                             core::attachment& out, bool fetch_urls = false);

}  // namespace camoufleet::http
