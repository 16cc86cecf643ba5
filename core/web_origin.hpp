#pragma once
// A web origin (scheme, host, port) as browsers send it in the Origin header
// and as --cors-origins names it. Pure.

#include <optional>
#include <string>
#include <string_view>

namespace camoufleet::core {

struct web_origin {
  std::string scheme;  // lower case: "http", "https", "chrome-extension", ...
  std::string host;    // lower case; an IPv6 address keeps its brackets
  int port = 0;        // 0: none given and the scheme has no default

  // The serialised form ("https://app.example.com", "http://localhost:3000"):
  // the default port of http (80) and https (443) is left out.
  std::string text() const;
  bool operator==(const web_origin& o) const {
    return scheme == o.scheme && host == o.host && port == o.port;
  }
};

// "scheme://host[:port]", nothing after it (one trailing "/" is accepted);
// scheme and host case-insensitive. nullopt for "null", a path, user info,
// a query, an empty host or a port outside 1-65535.
std::optional<web_origin> parse_origin(std::string_view text);

// A name of this machine: localhost (or a name under .localhost),
// 127.x.x.x or ::1 with or without brackets (lower case, as web_origin
// keeps its host).
bool is_loopback_host(std::string_view host);
// A page on this machine: its host is_loopback_host.
bool is_loopback(const web_origin& o);

}  // namespace camoufleet::core
