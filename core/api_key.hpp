#pragma once
// An API key the server accepts, the name its use is counted under
// (/metrics, the dashboard, the log): the name given beside it in the key file,
// or a fingerprint of the key ("key-1a2b3c4d") that never shows the key; and
// how many completion requests it may have open (its own max_open= in the key
// file, or the server's --max-open-per-key).

#include <string>
#include <string_view>

namespace camoufleet::core {

struct api_key {
  std::string key;
  std::string name;
  int max_open = -1;  // -1: the server's --max-open-per-key; 0: no limit

  api_key() = default;
  // Unnamed: the fingerprint. Implicit, so a list of keys reads as one.
  api_key(std::string k);                              // NOLINT(google-explicit-constructor)
  api_key(const char* k) : api_key(std::string(k)) {}  // NOLINT(google-explicit-constructor)
  api_key(std::string k, std::string n);

  bool operator==(const api_key& o) const {
    return key == o.key && name == o.name && max_open == o.max_open;
  }

  // The open-request limit this key's requests are held to (0: none), given
  // the server's own --max-open-per-key.
  int open_limit(int server_default) const { return max_open >= 0 ? max_open : server_default; }
};

// "key-" and 8 hex digits of a 32-bit FNV-1a hash of the key: tells keys
// apart in counters without revealing them.
std::string key_fingerprint(std::string_view key);

// A name fit for a metric label and a log line: letters, digits and
// . _ - @ + kept, anything else made '_', at most 64 bytes.
std::string key_name(std::string_view wanted);

}  // namespace camoufleet::core
