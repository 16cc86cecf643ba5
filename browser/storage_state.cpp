#include "browser/storage_state.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "core/chat.hpp"

namespace camoufleet::browser {
namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& label, const std::string& why) {
  throw driver_error(failure_kind::invalid_profile, "auth profile " + label + ": " + why);
}

// Messages name the field, never its content.
std::string field_string(const json& obj, const char* key, const std::string& where,
                         const std::string& label, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) invalid(label, where + "." + key + " is missing");
    return {};
  }
  if (!it->is_string()) invalid(label, where + "." + key + " is not a string");
  return it->get<std::string>();
}

bool field_bool(const json& obj, const char* key, const std::string& where,
                const std::string& label) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return false;
  if (!it->is_boolean()) invalid(label, where + "." + key + " is not a boolean");
  return it->get<bool>();
}


}  // namespace

std::string normalize_same_site(const std::string& v) {
  if (v == "Strict" || v == "strict") return "Strict";
  if (v == "Lax" || v == "lax") return "Lax";
  if (v == "None" || v == "none" || v == "no_restriction") return "None";
  return "";
}

storage_state parse_storage_state(const std::string& json_text, const std::string& label) {
  // The parser's own message quotes the text it choked on, which could be a
  // cookie value: report only where it failed.
  if (json_text.find_first_not_of(" \t\r\n") == std::string::npos) invalid(label, "is empty");
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    invalid(label, "not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
  if (!root.is_object()) invalid(label, "not a JSON object");
  auto cookies = root.find("cookies");
  if (cookies == root.end()) invalid(label, "no \"cookies\" array");
  if (!cookies->is_array()) invalid(label, "\"cookies\" is not an array");

  storage_state st;
  for (std::size_t i = 0; i < cookies->size(); ++i) {
    const auto& c = (*cookies)[i];
    const std::string where = "cookies[" + std::to_string(i) + "]";
    if (!c.is_object()) invalid(label, where + " is not an object");
    stored_cookie k;
    k.name = field_string(c, "name", where, label, true);
    if (k.name.empty()) invalid(label, where + ".name is empty");
    k.value = field_string(c, "value", where, label, true);
    k.domain = field_string(c, "domain", where, label, true);
    if (k.domain.empty()) invalid(label, where + ".domain is empty");
    auto path = field_string(c, "path", where, label, false);
    if (!path.empty()) k.path = path;
    auto exp = c.find("expires");
    if (exp != c.end() && !exp->is_null()) {
      if (!exp->is_number()) invalid(label, where + ".expires is not a number");
      k.expires = exp->get<double>();
    }
    k.http_only = field_bool(c, "httpOnly", where, label);
    k.secure = field_bool(c, "secure", where, label);
    auto ss = field_string(c, "sameSite", where, label, false);
    k.same_site = normalize_same_site(ss);
    if (!ss.empty() && k.same_site.empty())
      invalid(label, where + ".sameSite is not Strict, Lax or None");
    st.cookies.push_back(std::move(k));
  }

  auto origins = root.find("origins");
  if (origins != root.end() && !origins->is_null()) {
    if (!origins->is_array()) invalid(label, "\"origins\" is not an array");
    for (std::size_t i = 0; i < origins->size(); ++i) {
      const auto& o = (*origins)[i];
      const std::string where = "origins[" + std::to_string(i) + "]";
      if (!o.is_object()) invalid(label, where + " is not an object");
      origin_storage os;
      os.origin = field_string(o, "origin", where, label, true);
      auto ls = o.find("localStorage");
      if (ls != o.end() && !ls->is_null()) {
        if (!ls->is_array()) invalid(label, where + ".localStorage is not an array");
        for (std::size_t j = 0; j < ls->size(); ++j) {
          const auto& e = (*ls)[j];
          const std::string w2 = where + ".localStorage[" + std::to_string(j) + "]";
          if (!e.is_object()) invalid(label, w2 + " is not an object");
          os.local_storage.emplace_back(field_string(e, "name", w2, label, true),
                                        field_string(e, "value", w2, label, true));
        }
      }
      st.origins.push_back(std::move(os));
    }
  }
  if (st.cookies.empty() && st.origins.empty())
    invalid(label, "holds no cookies and no localStorage");
  return st;
}

loaded_storage_state load_storage_state(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) invalid(path, "cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) invalid(path, "cannot be read");
  loaded_storage_state out;
  out.state = parse_storage_state(ss.str(), path);
  struct stat sb {};
  if (::stat(path.c_str(), &sb) == 0) out.too_open = (sb.st_mode & (S_IRWXG | S_IRWXO)) != 0;
  return out;
}

std::string to_storage_state_json(const storage_state& state) {
  json cookies = json::array();
  for (const auto& c : state.cookies) {
    cookies.push_back({{"name", c.name},
                       {"value", c.value},
                       {"domain", c.domain},
                       {"path", c.path},
                       {"expires", c.expires},
                       {"httpOnly", c.http_only},
                       {"secure", c.secure},
                       // Playwright writes "Lax" where the browser left it unset.
                       {"sameSite", c.same_site.empty() ? "Lax" : c.same_site}});
  }
  json origins = json::array();
  for (const auto& o : state.origins) {
    json ls = json::array();
    for (const auto& [k, v] : o.local_storage) ls.push_back({{"name", k}, {"value", v}});
    origins.push_back({{"origin", o.origin}, {"localStorage", std::move(ls)}});
  }
  return json{{"cookies", std::move(cookies)}, {"origins", std::move(origins)}}.dump(
      2, ' ', false, json::error_handler_t::replace);
}

}  // namespace camoufleet::browser
