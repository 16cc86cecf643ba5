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

// A host name as an origin or a Host header may carry it: a-z, 0-9, '.',
// '-', '_' (lower case), not empty.
bool is_host_name(std::string_view host);
// An IPv4 dotted quad (four parts of 1-3 digits).
bool is_ipv4(std::string_view host);
// An IPv4 dotted quad or an IPv6 address (bracketed or not): a host no DNS
// answer can rebind.
bool is_ip_literal(std::string_view host);
// A name of this machine: localhost (or a name under .localhost),
// 127.x.x.x or ::1 with or without brackets (lower case, as web_origin
// keeps its host).
bool is_loopback_host(std::string_view host);
// A page on this machine: its host is_loopback_host.
bool is_loopback(const web_origin& o);

}  // namespace camoufleet::core
