#pragma once
// The pure URL parts of fetching an image (`--image-urls fetch`): splitting
// an http:// or https:// URL into what a GET needs, and resolving a
// redirect's Location against the URL that answered it. No I/O.

#include <optional>
#include <string>

namespace camoufleet::fetch {

struct http_url {
  bool tls = false;          // https
  std::string host;          // without brackets for IPv6
  std::string port = "80";   // "443" for https without a port
  std::string target = "/";  // path and query, no fragment

  // The Host header's value: the port only when it is not the scheme's own.
  std::string host_header() const;
  // Back to text (scheme://authority/target), for messages and redirects.
  std::string text() const;
};

// "http[s]://host[:port][/path?query][#fragment]" -> parts; nullopt +
// `error` (a reason without the URL) for anything else: another scheme,
// user information, a bad host or port, spaces or control characters.
std::optional<http_url> parse_http_url(const std::string& url, std::string& error);

// The absolute URL a redirect's Location names, seen from `base` (RFC 3986
// section 5.2: absolute, scheme-relative "//host/x", absolute-path "/x",
// or relative "x" / "../x" / "?q"); "" when `location` is empty.
std::string resolve_location(const http_url& base, const std::string& location);

// True for the statuses whose Location a GET follows: 301, 302, 303, 307, 308.
bool is_redirect(int status);

}  // namespace camoufleet::fetch
