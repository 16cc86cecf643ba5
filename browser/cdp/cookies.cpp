#include "browser/cdp/cookies.hpp"

namespace camoufleet::browser::cdp {

using nlohmann::json;

json to_cdp_cookies(const std::vector<stored_cookie>& cookies) {
  json out = json::array();
  for (const auto& c : cookies) {
    json k = {{"name", c.name}, {"value", c.value},        {"domain", c.domain},
              {"path", c.path}, {"httpOnly", c.http_only}, {"secure", c.secure}};
    if (c.expires > 0) k["expires"] = c.expires;
    if (!c.same_site.empty()) k["sameSite"] = c.same_site;
    out.push_back(std::move(k));
  }
  return out;
}

std::vector<stored_cookie> from_cdp_cookies(const json& cookies) {
  std::vector<stored_cookie> out;
  if (!cookies.is_array()) return out;
  for (const auto& c : cookies) {
    if (!c.is_object()) continue;
    stored_cookie k;
    k.name = c.value("name", "");
    k.value = c.value("value", "");
    k.domain = c.value("domain", "");
    k.path = c.value("path", "/");
    bool session = c.value("session", false);
    k.expires = session ? -1 : c.value("expires", -1.0);
    k.http_only = c.value("httpOnly", false);
    k.secure = c.value("secure", false);
    k.same_site = normalize_same_site(c.value("sameSite", ""));
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace camoufleet::browser::cdp
