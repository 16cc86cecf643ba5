#include "site/function_calls.hpp"

#include <random>
#include <regex>
#include <set>

namespace camoufleet::site {
namespace {

using nlohmann::json;

// Keys of the schema subset the page's editor accepts (Gemini's Schema).
const std::set<std::string>& accepted_keys() {
  static const std::set<std::string> keys = {
      "type",     "format",   "description", "nullable",   "enum",     "items",
      "minItems", "maxItems", "properties",  "required",   "minimum",  "maximum",
      "minLength", "maxLength", "pattern",   "minProperties", "maxProperties",
      "propertyOrdering"};
  return keys;
}

// Annotations and constraints the page rejects with "Unknown key" and that
// carry no meaning the model needs: dropped.
const std::set<std::string>& dropped_keys() {
  static const std::set<std::string> keys = {
      "title",      "default",          "examples",         "$schema", "$id",
      "$comment",   "strict",           "additionalProperties", "uniqueItems",
      "multipleOf", "exclusiveMinimum", "exclusiveMaximum", "readOnly", "writeOnly",
      "deprecated", "contentMediaType", "contentEncoding"};
  return keys;
}

struct converter {
  std::string tool;

  [[noreturn]] void fail(const std::string& path, const std::string& why) const {
    throw tool_schema_error(tool, path, why);
  }

  // anyOf / oneOf: the first option that is not {"type":"null"}; nullable
  // when a null option was there.
  json pick_option(const json& options, const std::string& path, bool& nullable) const {
    if (!options.is_array() || options.empty()) fail(path, "must be a non-empty list");
    const json* first = nullptr;
    for (const auto& o : options) {
      if (o.is_object() && o.value("type", json()) == "null")
        nullable = true;
      else if (!first)
        first = &o;
    }
    if (!first) fail(path, "has no option other than null");
    return *first;
  }

  json schema(const json& in, const std::string& path) const {
    if (!in.is_object()) fail(path, "a schema must be an object");
    bool nullable = false;
    json s = in;
    for (const char* combo : {"anyOf", "oneOf"}) {
      if (!s.contains(combo)) continue;
      json picked = pick_option(s[combo], path + "." + combo, nullable);
      json rest = s;
      rest.erase(combo);
      s = picked;
      for (auto it = rest.begin(); it != rest.end(); ++it)
        if (!s.contains(it.key())) s[it.key()] = it.value();  // e.g. a description beside anyOf
    }
    json out = json::object();
    for (auto it = s.begin(); it != s.end(); ++it) {
      const std::string& key = it.key();
      const std::string here = path + "." + key;
      if (dropped_keys().count(key)) continue;
      if (key == "const") {
        out["enum"] = json::array({it.value()});
      } else if (key == "type" && it.value().is_array()) {
        // ["x", "null"] -> x + nullable; more than one real type cannot be said.
        std::vector<std::string> real;
        for (const auto& t : it.value()) {
          if (!t.is_string()) fail(here, "types must be strings");
          if (t == "null")
            nullable = true;
          else
            real.push_back(t.get<std::string>());
        }
        if (real.size() != 1) fail(here, "only one non-null type can be given to the site");
        out["type"] = real[0];
      } else if (key == "properties") {
        if (!it.value().is_object()) fail(here, "must be an object");
        json props = json::object();
        for (auto p = it.value().begin(); p != it.value().end(); ++p)
          props[p.key()] = schema(p.value(), here + "." + p.key());
        out["properties"] = props;
      } else if (key == "items") {
        out["items"] = schema(it.value(), here);
      } else if (accepted_keys().count(key)) {
        out[key] = it.value();
      } else {
        fail(here, "the site does not accept this schema key");
      }
    }
    if (nullable) out["nullable"] = true;
    // An enum of something other than strings is described by its type only
    // on the site; its values become strings.
    if (out.contains("enum") && out["enum"].is_array()) {
      for (auto& v : out["enum"])
        if (!v.is_string()) v = v.dump();
      if (!out.contains("type")) out["type"] = "string";
    }
    return out;
  }
};

bool is_value(const json& v) {
  return v.is_array() && !v.empty() && v.size() <= 6 && v[0].is_null();
}

// Strips the extra one-element wrapping the site puts around a list.
const json& unwrap(const json& v, bool (*is_item)(const json&)) {
  const json* cur = &v;
  while (cur->is_array() && cur->size() == 1 && (*cur)[0].is_array() && !is_item((*cur)[0]))
    cur = &(*cur)[0];
  return *cur;
}

bool is_field(const json& f) { return f.is_array() && f.size() == 2 && f[0].is_string(); }

}  // namespace

json to_function_declaration(const json& tool) {
  if (!tool.is_object() || tool.value("type", json()) != "function" ||
      !tool.contains("function") || !tool["function"].is_object())
    throw tool_schema_error("?", "type", "only tools of type \"function\" are supported");
  const json& f = tool["function"];
  if (!f.contains("name") || !f["name"].is_string())
    throw tool_schema_error("?", "function.name", "is missing");
  const std::string name = f["name"].get<std::string>();
  static const std::regex valid(R"([A-Za-z_][A-Za-z0-9_.\-]{0,63})");
  if (!std::regex_match(name, valid))
    throw tool_schema_error(name, "function.name",
                            "must start with a letter or _ and hold up to 64 of A-Z a-z 0-9 _ . -");
  converter c{name};
  json out = {{"name", name}};
  if (f.contains("description") && f["description"].is_string())
    out["description"] = f["description"];
  if (f.contains("parameters") && !f["parameters"].is_null()) {
    json params = c.schema(f["parameters"], "parameters");
    // The site wants an object schema with at least one property, or none at all.
    if (params.value("type", json()) == "object" &&
        (!params.contains("properties") || params["properties"].empty()))
      return out;
    out["parameters"] = params;
  }
  return out;
}

json to_function_declarations(const json& tools) {
  if (!tools.is_array()) throw tool_schema_error("?", "tools", "must be a list");
  json out = json::array();
  std::set<std::string> names;
  for (const auto& t : tools) {
    json d = to_function_declaration(t);
    const std::string name = d["name"].get<std::string>();
    if (!names.insert(name).second) throw tool_schema_error(name, "function.name", "is used twice");
    out.push_back(std::move(d));
  }
  return out;
}

json decode_value(const json& v) {
  if (!is_value(v)) return nullptr;
  switch (v.size()) {
    case 1: return nullptr;
    case 2: return v[1];
    case 3: return v[2];
    case 4: return v[3].is_number() ? json(v[3].get<double>() != 0) : json(v[3] == true);
    case 5: return decode_struct(v[4]);
    case 6: {
      json out = json::array();
      const json& list = unwrap(v[5], is_value);
      if (list.is_array())
        for (const auto& item : list) out.push_back(decode_value(item));
      return out;
    }
  }
  return nullptr;
}

json decode_struct(const json& fields) {
  json out = json::object();
  const json& list = unwrap(fields, is_field);
  if (!list.is_array()) return out;
  for (const auto& f : list)
    if (is_field(f)) out[f[0].get<std::string>()] = decode_value(f[1]);
  return out;
}

namespace {

// The site repeats a call (the same name and arguments): each is kept once,
// in the order first seen.
std::vector<function_call> without_repeats(std::vector<function_call> calls) {
  std::set<std::string> seen;
  std::vector<function_call> out;
  for (auto& c : calls)
    if (seen.insert(c.name + "\n" + c.arguments.dump()).second) out.push_back(std::move(c));
  return out;
}

}  // namespace

std::vector<function_call> decode_function_calls(const std::vector<std::string>& parts) {
  std::vector<function_call> calls;
  for (const auto& text : parts) {
    json part = json::parse(text, nullptr, false);
    if (!part.is_array() || part.empty() || !part[0].is_string()) continue;
    function_call c;
    c.name = part[0].get<std::string>();
    if (part.size() > 1) c.arguments = decode_struct(part[1]);
    calls.push_back(std::move(c));
  }
  return without_repeats(std::move(calls));
}

std::vector<function_call> decode_shown_calls(
    const std::vector<std::pair<std::string, std::string>>& shown) {
  std::vector<function_call> calls;
  for (const auto& [name, args] : shown) {
    if (name.empty()) continue;
    function_call c;
    c.name = name;
    if (args.find_first_not_of(" \t\r\n") != std::string::npos) {
      c.arguments = json::parse(args, nullptr, false);
      if (c.arguments.is_discarded()) c.arguments = args;
    }
    calls.push_back(std::move(c));
  }
  return without_repeats(std::move(calls));
}

std::vector<core::tool_call> to_tool_calls(const std::vector<function_call>& calls) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
  std::vector<core::tool_call> out;
  for (const auto& c : calls) {
    core::tool_call t;
    t.id = "call_";
    for (int i = 0; i < 24; ++i) t.id += alphabet[pick(rng)];
    t.name = c.name;
    t.arguments = c.arguments.dump();
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace camoufleet::site
