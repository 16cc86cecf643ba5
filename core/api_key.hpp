#pragma once
// An API key the server accepts, and the name its use is counted under
// (/metrics, the dashboard, the log): the name given beside it in the key file,
// or a fingerprint of the key ("key-1a2b3c4d") that never shows the key.

#include <string>
#include <string_view>

namespace camoufleet::core {

struct api_key {
  std::string key;
  std::string name;

  api_key() = default;
  // Unnamed: the fingerprint. Implicit, so a list of keys reads as one.
  api_key(std::string k);                              // NOLINT(google-explicit-constructor)
  api_key(const char* k) : api_key(std::string(k)) {}  // NOLINT(google-explicit-constructor)
  api_key(std::string k, std::string n);

  bool operator==(const api_key& o) const { return key == o.key && name == o.name; }
};

// "key-" and 8 hex digits of a 32-bit FNV-1a hash of the key: tells keys
// apart in counters without revealing them.
std::string key_fingerprint(std::string_view key);

// A name fit for a metric label and a log line: letters, digits and
// . _ - @ + kept, anything else made '_', at most 64 bytes.
std::string key_name(std::string_view wanted);

}  // namespace camoufleet::core
