#include "sim/accounts.hpp"

#include <cstdio>

#include "sim/answer.hpp"

namespace camoufleet::sim {

const std::vector<std::string>& cookie_names() {
  static const std::vector<std::string> names = {"SID",    "HSID",    "SSID",
                                                 "APISID", "SAPISID", "__Secure-1PSID"};
  return names;
}

account make_account(const std::string& name) {
  account a;
  a.name = name;
  a.email = name + "@example.com";
  a.password = name + "-password";
  for (const auto& c : cookie_names()) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(fnv1a32(c + ":" + name)));
    a.cookies.emplace_back(c, c + "-" + name + "-" + hex);
  }
  return a;
}

std::vector<std::string> account_names(int extra_accounts) {
  std::vector<std::string> names = {"alice", "bob", "carol"};
  for (int i = 1; i <= extra_accounts; ++i) names.push_back("user" + std::to_string(i));
  return names;
}

bool is_secure_prefixed(const std::string& cookie_name) {
  return cookie_name.rfind("__Secure-", 0) == 0 || cookie_name.rfind("__Host-", 0) == 0;
}

std::string cookie_header(const account& a) {
  std::string s;
  for (const auto& [k, v] : a.cookies) {
    if (!s.empty()) s += "; ";
    s += k + "=" + v;
  }
  return s;
}

std::string find_cookie(const std::string& header, const std::string& name) {
  std::size_t i = 0;
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ';')) ++i;
    auto end = header.find(';', i);
    if (end == std::string::npos) end = header.size();
    auto item = header.substr(i, end - i);
    auto eq = item.find('=');
    if (eq != std::string::npos) {
      auto k = item.substr(0, eq);
      while (!k.empty() && k.back() == ' ') k.pop_back();
      if (k == name) {
        auto v = item.substr(eq + 1);
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        while (!v.empty() && v.back() == ' ') v.pop_back();
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        return v;
      }
    }
    i = end + 1;
  }
  return "";
}

nlohmann::json storage_state(const account& a, int origin_port, const std::string& model) {
  nlohmann::json cookies = nlohmann::json::array();
  for (const auto& [k, v] : a.cookies) {
    cookies.push_back({{"name", k},
                       {"value", v},
                       {"domain", "127.0.0.1"},
                       {"path", "/"},
                       {"expires", profile_cookie_expiry},
                       {"httpOnly", true},
                       // Browsers refuse a __Secure- cookie without Secure
                       // (CDP setCookies fails the whole call with "Invalid
                       // cookie fields"), so that one decoy is marked secure.
                       {"secure", is_secure_prefixed(k)},
                       {"sameSite", "Lax"}});
  }
  nlohmann::json origins = nlohmann::json::array();
  if (origin_port > 0) {
    nlohmann::json pref = {{"promptModel", "models/" + strip_model_prefix(model)}};
    origins.push_back(
        {{"origin", "http://127.0.0.1:" + std::to_string(origin_port)},
         {"localStorage", nlohmann::json::array({{{"name", "aiStudioUserPreference"},
                                                  {"value", pref.dump()}}})}});
  }
  return {{"cookies", cookies}, {"origins", origins}};
}

}  // namespace camoufleet::sim
