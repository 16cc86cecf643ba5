#include "http/request_parts.hpp"

#include <set>

#include "http/file_parts.hpp"
#include "site/function_calls.hpp"

namespace camoufleet::http {

using json = nlohmann::json;

request_error bad_field(std::string message, std::string param) {
  return request_error{400, std::move(message), std::move(param)};
}

request_error wrong_type(const std::string& where, const char* expected, const json& got) {
  return bad_field("Invalid type for '" + where + "': expected " + expected + ", but got " +
                       json_type_name(got) + ".",
                   where);
}

std::optional<request_error> read_string_field(const json& obj, const char* key,
                                               const std::string& where, std::string& out) {
  const auto it = obj.find(key);
  const std::string here = where + "." + key;
  if (it == obj.end() || it->is_null())
    return bad_field("Missing required parameter: '" + here + "'.", here);
  if (!it->is_string()) return wrong_type(here, "a string", *it);
  out = it->get<std::string>();
  return std::nullopt;
}

namespace {

// A non-empty string member, or the 400 naming it.
std::optional<request_error> read_name(const json& obj, const char* key, const std::string& where,
                                       std::string& out) {
  if (auto e = read_string_field(obj, key, where, out)) return e;
  if (out.empty()) {
    const std::string here = where + "." + key;
    return bad_field("Invalid value for '" + here + "': expected a non-empty string.", here);
  }
  return std::nullopt;
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::optional<request_error> read_tool_choice(const json& body, bool have_tools,
                                              const std::set<std::string>& names,
                                              core::generation_params& params) {
  auto it = body.find("tool_choice");
  if (it == body.end() || it->is_null()) {
    params.tool_choice = have_tools ? "auto" : "";
    return std::nullopt;
  }
  if (it->is_string()) {
    const std::string v = it->get<std::string>();
    if (v != "none" && v != "auto" && v != "required")
      return bad_field(
          "Invalid value for 'tool_choice': '" + v +
              "'. Supported values are: 'none', 'auto', 'required' or an object naming a "
              "function.",
          "tool_choice");
    if (v == "required" && !have_tools)
      return bad_field(
          "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' "
          "are specified.",
          "tool_choice");
    params.tool_choice = v;
    return std::nullopt;
  }
  if (!it->is_object()) return wrong_type("tool_choice", "a string or an object", *it);
  if (it->value("type", json()) != "function")
    return bad_field("Invalid value for 'tool_choice.type': only 'function' is supported.",
                     "tool_choice.type");
  auto fn = it->find("function");
  if (fn == it->end() || !fn->is_object())
    return bad_field("Missing required parameter: 'tool_choice.function'.", "tool_choice.function");
  std::string name;
  if (auto e = read_name(*fn, "name", "tool_choice.function", name)) return e;
  if (!names.count(name))
    return bad_field("Invalid value for 'tool_choice.function.name': no tool named '" + name +
                         "' is in 'tools'.",
                     "tool_choice.function.name");
  params.tool_choice = "function";
  params.tool_choice_name = name;
  return std::nullopt;
}

}  // namespace

const char* json_type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "number";
    default: return "unknown";
  }
}

std::optional<request_error> read_choices(const json& body, int limit, int& choices) {
  // One page gives one answer: n choices are n pages' answers, asked of the
  // fleet side by side (http/choices.cpp).
  const auto it = body.find("n");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() && !it->is_number_unsigned())
    return wrong_type("n", "an integer", *it);
  const long long n = it->get<long long>();
  if (n < 1 || n > limit)
    return bad_field("Invalid value for 'n': " + std::to_string(n) + ". It must be 1 to " +
                         std::to_string(limit) + " (each choice is a page's answer).",
                     "n");
  choices = static_cast<int>(n);
  return std::nullopt;
}

std::optional<request_error> read_stop(const json& body, core::generation_params& params) {
  const auto it = body.find("stop");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) {
    if (!it->get<std::string>().empty()) params.stop.push_back(it->get<std::string>());
    return std::nullopt;
  }
  if (!it->is_array()) return wrong_type("stop", "a string or an array of strings", *it);
  if (it->size() > max_stop_sequences)
    return bad_field("Invalid 'stop': array too long. Expected an array with maximum length " +
                         std::to_string(max_stop_sequences) + ", but got an array with length " +
                         std::to_string(it->size()) + " instead.",
                     "stop");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& s = (*it)[i];
    const std::string where = "stop[" + std::to_string(i) + "]";
    if (!s.is_string()) return wrong_type(where, "a string", s);
    if (!s.get<std::string>().empty()) params.stop.push_back(s.get<std::string>());
  }
  return std::nullopt;
}

std::optional<request_error> read_web_search(const json& body, core::generation_params& params) {
  const auto it = body.find("web_search_options");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) return wrong_type("web_search_options", "an object", *it);
  if (!params.function_declarations.empty())
    return bad_field(
        "'web_search_options' cannot be combined with function tools: on AI Studio "
        "Google Search grounding and function calling exclude each other.",
        "web_search_options");
  params.web_search = true;
  return std::nullopt;
}

std::optional<request_error> read_response_format(const json& body,
                                                  core::generation_params& params) {
  auto it = body.find("response_format");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) return wrong_type("response_format", "an object", *it);
  std::string type;
  if (auto e = read_name(*it, "type", "response_format", type)) return e;
  if (type == "text") return std::nullopt;
  if (type == "json_object") {
    params.response_format = type;
    return std::nullopt;
  }
  if (type != "json_schema")
    return bad_field("Invalid value for 'response_format.type': '" + type +
                         "'. Supported values are: 'text', 'json_object' and 'json_schema'.",
                     "response_format.type");
  auto js = it->find("json_schema");
  if (js == it->end() || js->is_null())
    return bad_field("Missing required parameter: 'response_format.json_schema'.",
                     "response_format.json_schema");
  if (!js->is_object()) return wrong_type("response_format.json_schema", "an object", *js);
  json kept = json::object();
  std::string name;
  if (auto e = read_name(*js, "name", "response_format.json_schema", name)) return e;
  kept["name"] = name;
  if (auto schema = js->find("schema"); schema != js->end() && !schema->is_null()) {
    if (!schema->is_object())
      return wrong_type("response_format.json_schema.schema", "an object", *schema);
    kept["schema"] = *schema;
  }
  params.response_format = type;
  params.response_schema = kept.dump();
  return std::nullopt;
}

std::optional<request_error> read_tools(const json& body, core::generation_params& params) {
  auto it = body.find("tools");
  const bool have_tools = it != body.end() && !it->is_null();
  std::set<std::string> names;
  json declarations;
  if (have_tools) {
    if (!it->is_array()) return wrong_type("tools", "an array", *it);
    if (it->size() > max_tools)
      return bad_field("Invalid 'tools': array too long. Expected an array with maximum length " +
                           std::to_string(max_tools) + ".",
                       "tools");
    declarations = json::array();
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string where = "tools[" + std::to_string(i) + "]";
      const json& tool = (*it)[i];
      if (!tool.is_object()) return wrong_type(where, "an object", tool);
      if (tool.value("type", json()) != "function")
        return bad_field(
            "Invalid value for '" + where + ".type': only 'function' tools are supported.",
            where + ".type");
      auto fn = tool.find("function");
      if (fn == tool.end() || !fn->is_object())
        return bad_field("Missing required parameter: '" + where + ".function'.",
                         where + ".function");
      std::string name;
      if (auto e = read_name(*fn, "name", where + ".function", name)) return e;
      if (!names.insert(name).second)
        return bad_field("Invalid 'tools': the function name '" + name + "' is used twice.",
                         where + ".function.name");
      try {
        declarations.push_back(site::to_function_declaration(tool));
      } catch (const site::tool_schema_error& e) {
        const std::string key = starts_with(e.key(), "function.") ? e.key() : "function." + e.key();
        std::string why = e.what();
        const std::string prefix = "tool '" + e.tool() + "': " + e.key() + ": ";
        if (starts_with(why, prefix.c_str())) why.erase(0, prefix.size());
        return bad_field("Invalid schema for function '" + name + "': '" + key + "' " + why +
                             " (the page's function declarations take a subset of JSON Schema).",
                         where + "." + key);
      }
    }
  }
  if (auto e = read_tool_choice(body, have_tools && !names.empty(), names, params)) return e;
  if (!names.empty() && params.tool_choice != "none")
    params.function_declarations = declarations.dump();
  return std::nullopt;
}

std::optional<request_error> read_tool_calls(const json& message, const std::string& where,
                                             std::vector<core::tool_call>& out) {
  auto it = message.find("tool_calls");
  if (it == message.end() || it->is_null()) return std::nullopt;
  const std::string list_where = where + ".tool_calls";
  if (!it->is_array()) return wrong_type(list_where, "an array", *it);
  for (std::size_t i = 0; i < it->size(); ++i) {
    const std::string here = list_where + "[" + std::to_string(i) + "]";
    const json& c = (*it)[i];
    if (!c.is_object()) return wrong_type(here, "an object", c);
    if (c.contains("type") && c["type"] != "function")
      return bad_field("Invalid value for '" + here + ".type': only 'function' is supported.",
                       here + ".type");
    core::tool_call call;
    if (auto e = read_name(c, "id", here, call.id)) return e;
    auto fn = c.find("function");
    if (fn == c.end() || !fn->is_object())
      return bad_field("Missing required parameter: '" + here + ".function'.", here + ".function");
    if (auto e = read_name(*fn, "name", here + ".function", call.name)) return e;
    auto args = fn->find("arguments");
    if (args == fn->end() || args->is_null()) {
      call.arguments = "{}";
    } else if (args->is_string()) {
      call.arguments = args->get<std::string>();
    } else if (args->is_object()) {
      call.arguments = args->dump();  // lenient: some clients send the object itself
    } else {
      return wrong_type(here + ".function.arguments", "a string", *args);
    }
    out.push_back(std::move(call));
  }
  return std::nullopt;
}

std::optional<request_error> read_tool_call_id(const json& message, const std::string& where,
                                               std::string& out) {
  // Lenient: older clients send tool results without an id.
  auto it = message.find("tool_call_id");
  if (it == message.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return wrong_type(where + ".tool_call_id", "a string", *it);
  out = it->get<std::string>();
  return std::nullopt;
}

std::optional<request_error> read_image_part(const json& part, const std::string& where,
                                             core::attachment& out, bool fetch_urls) {
  auto it = part.find("image_url");
  const std::string obj_where = where + ".image_url";
  if (it == part.end() || it->is_null())
    return bad_field("Missing required parameter: '" + obj_where + "'.", obj_where);
  std::string url;
  if (it->is_string()) {
    url = it->get<std::string>();
  } else if (it->is_object()) {
    if (auto e = read_name(*it, "url", obj_where, url)) return e;
  } else {
    return wrong_type(obj_where, "an object", *it);
  }
  const std::string url_where = obj_where + ".url";
  if (fetch_urls && (starts_with(url, "http://") || starts_with(url, "https://"))) {
    out.mime_type.clear();
    out.data = url;
    return std::nullopt;
  }
  if (starts_with(url, "http://") || starts_with(url, "https://"))
    return bad_field("Invalid value for '" + url_where +
                         "': image URLs are not fetched (--image-urls refuse); send the image "
                         "inline as a data URL "
                         "(data:image/png;base64,...).",
                     url_where);
  static const char* const types[] = {"image/png", "image/jpeg", "image/webp", "image/gif"};
  const auto comma = url.find(',');
  const std::string head = url.substr(0, comma);
  std::string mime;
  for (const char* t : types)
    if (head == std::string("data:") + t + ";base64") mime = t;
  if (comma == std::string::npos || mime.empty())
    return bad_field("Invalid value for '" + url_where +
                         "': expected a base64 data URL of a png, jpeg, webp or gif image "
                         "(data:image/png;base64,...).",
                     url_where);
  // The bytes must be what the data: URL says they are: a page given a file
  // whose type lies may refuse it or mislabel it.
  return decode_payload(std::string_view(url).substr(comma + 1), mime, url_where, "data URL", out);
}

}  // namespace camoufleet::http
