#include "core/api_key.hpp"

#include <cstdint>
#include <cstdio>
#include <utility>

namespace camoufleet::core {

api_key::api_key(std::string k) : key(std::move(k)), name(key_fingerprint(key)) {}

api_key::api_key(std::string k, std::string n) : key(std::move(k)), name(key_name(n)) {
  if (name.empty()) name = key_fingerprint(key);
}

std::string key_fingerprint(std::string_view key) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : key) {
    h ^= c;
    h *= 16777619u;
  }
  char out[16];
  std::snprintf(out, sizeof out, "key-%08x", static_cast<unsigned>(h));
  return out;
}

std::string key_name(std::string_view wanted) {
  std::string out;
  for (char c : wanted.substr(0, 64)) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-' || c == '@' || c == '+';
    out.push_back(plain ? c : '_');
  }
  return out;
}

}  // namespace camoufleet::core
