#include "http/auth.hpp"

#include <cctype>

namespace camoufleet::http {

api_key_check::api_key_check(std::vector<core::api_key> keys) {
  for (auto& k : keys)
    if (!k.key.empty()) keys_.push_back(std::move(k));
}

const core::api_key* api_key_check::caller(std::string_view authorization) const {
  static const core::api_key nobody;
  if (keys_.empty()) return &nobody;
  const auto token = bearer_token(authorization);
  if (token.empty()) return nullptr;
  // Every key is compared, so timing does not tell which one nearly matched.
  const core::api_key* found = nullptr;
  for (const auto& k : keys_)
    if (constant_time_equal(token, k.key) && found == nullptr) found = &k;
  return found;
}

bool auth_exempt(std::string_view path) {
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  // Probes, and the dashboard's page and assets: they hold no data; the page
  // asks for a key and sends it with every call it makes.
  if (path == "/health" || path == "/health/live" || path == "/health/ready") return true;
  if (path == "/") return true;
  constexpr std::string_view assets = "/dashboard/";
  return path.substr(0, assets.size()) == assets;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

std::string_view bearer_token(std::string_view h) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  h = trim(h);
  constexpr std::string_view scheme = "bearer";
  if (h.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != scheme[i]) return {};
  if (h[scheme.size()] != ' ' && h[scheme.size()] != '\t') return {};
  return trim(h.substr(scheme.size()));
}

}  // namespace camoufleet::http
