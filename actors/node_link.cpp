#include "actors/node_link.hpp"

#include <algorithm>
#include <cctype>

namespace camoufleet::node_link {

bool valid_node_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
  });
}

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  auto v4 = host;
  const std::string mapped = "::ffff:";
  if (v4.compare(0, mapped.size(), mapped) == 0) v4 = v4.substr(mapped.size());
  return v4.compare(0, 4, "127.") == 0;
}

bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

verdict check_hello(const std::string& expected_secret, const std::string& given_secret,
                    const std::string& node_id, const std::string& peer_host) {
  if (!valid_node_id(node_id))
    return {false, "invalid node id (1-64 characters of A-Z a-z 0-9 . _ -)"};
  if (expected_secret.empty()) {
    if (!is_loopback(peer_host))
      return {false, "the head has no --node-secret-file, so it accepts loopback nodes only (peer " +
                         peer_host + ")"};
    return {true, {}};
  }
  if (given_secret.empty()) return {false, "no node secret given (--node-secret-file)"};
  if (!same_secret(expected_secret, given_secret)) return {false, "wrong node secret"};
  return {true, {}};
}

std::string member_id(const std::string& node_id, const std::string& local_id) {
  return node_id + "." + local_id;
}

bool is_member_of(const std::string& node_id, const std::string& id) {
  const auto prefix = node_id + ".";
  return id.size() > prefix.size() && id.compare(0, prefix.size(), prefix) == 0;
}

std::chrono::milliseconds reconnect_delay(int failures, std::chrono::milliseconds cap) {
  if (failures <= 0) return std::chrono::milliseconds(0);
  std::chrono::milliseconds d(250);
  for (int i = 1; i < failures && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

}  // namespace camoufleet::node_link
