#pragma once
// The simulator's fake Google accounts. Cookie values are deterministic so
// that tests, sample profiles and the running simulator agree without
// talking to each other. Only SID identifies the account; the other cookies
// are there because real profiles carry them.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace camoufleet::sim {

struct account {
  std::string name;
  std::string email;     // NAME@example.com
  std::string password;  // NAME-password
  std::vector<std::pair<std::string, std::string>> cookies;  // name, value; SID first

  const std::string& sid() const { return cookies.front().second; }
};

const std::vector<std::string>& cookie_names();  // SID, HSID, SSID, APISID, SAPISID, __Secure-1PSID
account make_account(const std::string& name);
// alice, bob, carol, then user1..userN.
std::vector<std::string> account_names(int extra_accounts);

// __Secure- / __Host- names: a browser only accepts them with Secure.
bool is_secure_prefixed(const std::string& cookie_name);

// "SID=...; HSID=..." as a browser would send it.
std::string cookie_header(const account& a);

// The value of cookie `name` in a Cookie request header, "" if absent.
std::string find_cookie(const std::string& cookie_header, const std::string& name);

constexpr long long profile_cookie_expiry = 4102444800LL;  // 2100-01-01

// A Playwright storageState for the account. origin_port > 0 adds the
// localStorage model preference for http://127.0.0.1:<port>.
nlohmann::json storage_state(const account& a, int origin_port,
                             const std::string& model = "gemini-2.5-pro");

}  // namespace camoufleet::sim
