#include "site/reply_check.hpp"

#include <cmath>

namespace camoufleet::site {

namespace {

using json = nlohmann::json;

std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

bool has_type(const json& v, const std::string& type) {
  if (type == "null") return v.is_null();
  if (type == "boolean") return v.is_boolean();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer") {
    if (v.is_number_integer()) return true;
    if (!v.is_number_float()) return false;
    const double d = v.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }
  return true;  // a type this check does not know: not held against the value
}

std::string article(const std::string& type) {
  return (type == "array" || type == "object" || type == "integer" ? "an " : "a ") + type;
}

class checker {
 public:
  explicit checker(const json& root) : root_(root) {}

  std::string check(const json& v, const json& s, const std::string& at, int depth) {
    // A $ref cycle, or anyOf over anyOf (each try doubles the work): give up
    // rather than loop; what was not checked is not held against the value.
    if (depth > 64 || ++steps_ > 100000) return {};
    if (s.is_boolean()) return s.get<bool>() ? "" : at + ": no value is allowed here";
    if (!s.is_object()) return {};
    if (const auto ref = s.find("$ref"); ref != s.end() && ref->is_string()) {
      const json* target = resolve(ref->get<std::string>());
      if (target != nullptr)
        if (auto e = check(v, *target, at, depth + 1); !e.empty()) return e;
    }
    if (auto e = check_type(v, s, at); !e.empty()) return e;
    if (const auto e = s.find("enum"); e != s.end() && e->is_array()) {
      bool found = false;
      for (const auto& option : *e) found = found || option == v;
      if (!found) return at + ": " + shown(v) + " is not one of " + shown(*e);
    }
    if (const auto c = s.find("const"); c != s.end() && *c != v)
      return at + ": expected " + shown(*c) + ", got " + shown(v);
    if (auto e = check_combinations(v, s, at, depth); !e.empty()) return e;
    if (v.is_object()) return check_object(v, s, at, depth);
    if (v.is_array()) return check_array(v, s, at, depth);
    if (v.is_string()) return check_string(v.get<std::string>(), s, at);
    if (v.is_number()) return check_number(v.get<double>(), s, at);
    return {};
  }

 private:
  const json* resolve(const std::string& ref) const {
    if (ref == "#") return &root_;
    if (ref.rfind("#/", 0) != 0) return nullptr;
    try {
      const json::json_pointer p(ref.substr(1));
      return root_.contains(p) ? &root_.at(p) : nullptr;
    } catch (const std::exception&) {
      return nullptr;
    }
  }

  static std::string check_type(const json& v, const json& s, const std::string& at) {
    const auto t = s.find("type");
    if (t == s.end()) return {};
    if (t->is_string()) {
      const auto type = t->get<std::string>();
      return has_type(v, type) ? "" : at + ": expected " + article(type) + ", got " + shown(v);
    }
    if (!t->is_array() || t->empty()) return {};
    std::string names;
    for (const auto& type : *t) {
      if (!type.is_string() || has_type(v, type.get<std::string>())) return {};
      names += (names.empty() ? "" : " or ") + type.get<std::string>();
    }
    return at + ": expected " + names + ", got " + shown(v);
  }

  std::string check_combinations(const json& v, const json& s, const std::string& at, int depth) {
    if (const auto all = s.find("allOf"); all != s.end() && all->is_array())
      for (const auto& sub : *all)
        if (auto e = check(v, sub, at, depth + 1); !e.empty()) return e;
    for (const char* key : {"anyOf", "oneOf"}) {
      const auto any = s.find(key);
      if (any == s.end() || !any->is_array() || any->empty()) continue;
      int matches = 0;
      std::string first;
      for (const auto& sub : *any) {
        auto e = check(v, sub, at, depth + 1);
        if (e.empty())
          ++matches;
        else if (first.empty())
          first = e;
      }
      if (matches == 0) return at + ": matches none of " + key + " (the first says: " + first + ")";
      if (std::string(key) == "oneOf" && matches > 1)
        return at + ": matches " + std::to_string(matches) + " of oneOf, not exactly one";
    }
    if (const auto n = s.find("not"); n != s.end() && check(v, *n, at, depth + 1).empty())
      return at + ": matches the schema under 'not'";
    return {};
  }

  std::string check_object(const json& v, const json& s, const std::string& at, int depth) {
    if (const auto req = s.find("required"); req != s.end() && req->is_array())
      for (const auto& name : *req)
        if (name.is_string() && !v.contains(name.get<std::string>()))
          return at + ": the required property '" + name.get<std::string>() + "' is missing";
    const auto props = s.find("properties");
    const auto extra = s.find("additionalProperties");
    for (const auto& [key, value] : v.items()) {
      const std::string where = at + "." + key;
      if (props != s.end() && props->is_object() && props->contains(key)) {
        if (auto e = check(value, (*props)[key], where, depth + 1); !e.empty()) return e;
      } else if (extra != s.end()) {
        if (extra->is_boolean() && !extra->get<bool>())
          return at + ": the property '" + key + "' is not allowed";
        if (auto e = check(value, *extra, where, depth + 1); !e.empty()) return e;
      }
    }
    return {};
  }

  std::string check_array(const json& v, const json& s, const std::string& at, int depth) {
    const auto count = v.size();
    if (const auto n = s.find("minItems");
        n != s.end() && n->is_number() && count < n->get<double>())
      return at + ": " + std::to_string(count) + " items, fewer than " + shown(*n);
    if (const auto n = s.find("maxItems");
        n != s.end() && n->is_number() && count > n->get<double>())
      return at + ": " + std::to_string(count) + " items, more than " + shown(*n);
    std::size_t first = 0;
    if (const auto prefix = s.find("prefixItems"); prefix != s.end() && prefix->is_array()) {
      for (; first < prefix->size() && first < count; ++first)
        if (auto e = check(v[first], (*prefix)[first], at + "[" + std::to_string(first) + "]",
                           depth + 1);
            !e.empty())
          return e;
    }
    if (const auto items = s.find("items"); items != s.end() && items->is_object())
      for (std::size_t i = first; i < count; ++i)
        if (auto e = check(v[i], *items, at + "[" + std::to_string(i) + "]", depth + 1); !e.empty())
          return e;
    return {};
  }

  static std::string check_string(const std::string& text, const json& s, const std::string& at) {
    // Lengths in characters (code points), not bytes.
    std::size_t length = 0;
    for (unsigned char c : text) length += (c & 0xC0) != 0x80;
    if (const auto n = s.find("minLength");
        n != s.end() && n->is_number() && length < n->get<double>())
      return at + ": shorter than " + shown(*n) + " characters";
    if (const auto n = s.find("maxLength");
        n != s.end() && n->is_number() && length > n->get<double>())
      return at + ": longer than " + shown(*n) + " characters";
    // `pattern` is not checked: std::regex recurses once per character
    // (a long answer could overflow the stack) and a caller's pattern may
    // backtrack without end.
    return {};
  }

  static std::string check_number(double d, const json& s, const std::string& at) {
    const auto bound = [&](const char* key) -> const json* {
      const auto it = s.find(key);
      return it != s.end() && it->is_number() ? &*it : nullptr;
    };
    if (const auto* b = bound("minimum"); b && d < b->get<double>())
      return at + ": " + shown(json(d)) + " is less than " + shown(*b);
    if (const auto* b = bound("maximum"); b && d > b->get<double>())
      return at + ": " + shown(json(d)) + " is more than " + shown(*b);
    if (const auto* b = bound("exclusiveMinimum"); b && d <= b->get<double>())
      return at + ": " + shown(json(d)) + " is not more than " + shown(*b);
    if (const auto* b = bound("exclusiveMaximum"); b && d >= b->get<double>())
      return at + ": " + shown(json(d)) + " is not less than " + shown(*b);
    if (const auto* b = bound("multipleOf"); b && b->get<double>() > 0) {
      const double q = d / b->get<double>();
      if (std::fabs(q - std::round(q)) > 1e-9)
        return at + ": " + shown(json(d)) + " is not a multiple of " + shown(*b);
    }
    return {};
  }

  const json& root_;
  long steps_ = 0;
};

}  // namespace

std::string schema_violation(const json& value, const json& schema) {
  return checker(schema).check(value, schema, "$", 0);
}

std::string json_answer_problem(const std::string& content, const core::generation_params& params) {
  if (params.response_format != "json_object" && params.response_format != "json_schema") return {};
  const auto value = json::parse(content, nullptr, false);
  if (value.is_discarded()) return "the answer is not valid JSON";
  if (params.response_format == "json_object")
    return value.is_object() ? "" : "the answer is not a JSON object";
  const auto spec = json::parse(params.response_schema, nullptr, false);
  if (!spec.is_object() || !spec.contains("schema")) return {};
  return schema_violation(value, spec["schema"]);
}

std::string reply_problem(const core::generation_result& answer,
                          const core::generation_params& params) {
  if (answer.finish_reason == "length" || answer.finish_reason == "content_filter") return {};
  if (params.tool_choice == "required" && answer.tool_calls.empty())
    return "it calls no function, and this request must be answered with a function call";
  if (params.tool_choice == "function") {
    const std::string& wanted = params.tool_choice_name;
    if (answer.tool_calls.empty())
      return "it does not call the function " + wanted + ", which this request must call";
    for (const auto& call : answer.tool_calls)
      if (call.name != wanted)
        return "it calls the function " + call.name + ", and this request must call " + wanted +
               " only";
    return {};
  }
  if (!answer.tool_calls.empty()) return {};
  return json_answer_problem(answer.content, params);
}

}  // namespace camoufleet::site
