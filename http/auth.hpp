#pragma once
// API key check for `Authorization: Bearer <key>`. Pure. Keys are compared
// in constant time and never logged.

#include <string>
#include <string_view>
#include <vector>

#include "core/api_key.hpp"

namespace camoufleet::http {

class api_key_check {
 public:
  // An empty list turns authentication off.
  explicit api_key_check(std::vector<core::api_key> keys);

  bool enabled() const { return !keys_.empty(); }
  const std::vector<core::api_key>& keys() const { return keys_; }
  // `authorization` is the raw header value ("" when absent).
  bool allows(std::string_view authorization) const { return caller(authorization) != nullptr; }
  // The key the header carries (its name and limit, never to be logged
  // whole); nullptr when it carries none of them; a key with no name and
  // no limit of its own when authentication is off.
  const core::api_key* caller(std::string_view authorization) const;

 private:
  std::vector<core::api_key> keys_;
};

// Paths that answer without a key (load balancers probe them).
bool auth_exempt(std::string_view path);

// Equality whose running time depends only on the lengths, not on where the
// first difference is.
bool constant_time_equal(std::string_view a, std::string_view b);

// "Bearer <token>" (scheme case-insensitive, spaces trimmed) → token; "" if
// the header has another form.
std::string_view bearer_token(std::string_view authorization);

}  // namespace camoufleet::http
