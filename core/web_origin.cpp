#include "core/web_origin.hpp"

#include "core/text.hpp"

namespace camoufleet::core {

namespace {

int default_port(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  return 0;
}

bool scheme_char(char c, bool first) {
  if (c >= 'a' && c <= 'z') return true;
  if (first) return false;
  return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool ipv6_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

}  // namespace

std::string web_origin::text() const {
  std::string out = scheme + "://" + host;
  if (port != 0 && port != default_port(scheme)) out += ":" + std::to_string(port);
  return out;
}

std::optional<web_origin> parse_origin(std::string_view text) {
  const std::string s = to_lower(trim(text));
  std::string_view v = s;
  const auto sep = v.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  web_origin o;
  o.scheme = std::string(v.substr(0, sep));
  for (std::size_t i = 0; i < o.scheme.size(); ++i)
    if (!scheme_char(o.scheme[i], i == 0)) return std::nullopt;
  v.remove_prefix(sep + 3);
  if (!v.empty() && v.back() == '/') v.remove_suffix(1);

  std::string_view host = v;
  std::string_view port;
  if (!v.empty() && v.front() == '[') {
    const auto close = v.find(']');
    if (close == std::string_view::npos || close < 2) return std::nullopt;
    for (char c : v.substr(1, close - 1))
      if (!ipv6_char(c)) return std::nullopt;
    host = v.substr(0, close + 1);
    const auto rest = v.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else {
    if (const auto colon = v.find(':'); colon != std::string_view::npos) {
      host = v.substr(0, colon);
      port = v.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
    if (!is_host_name(host)) return std::nullopt;
  }
  o.host = std::string(host);
  if (port.empty()) {
    o.port = default_port(o.scheme);
  } else {
    if (port.size() > 5) return std::nullopt;
    int n = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > 65535) return std::nullopt;
    o.port = n;
  }
  return o;
}

bool is_loopback(const web_origin& o) {
  return is_loopback_host(o.host);
}

bool is_loopback_host(std::string_view h) {
  if (h == "localhost" || ends_with(h, ".localhost") || h == "[::1]" || h == "::1") return true;
  return h.substr(0, 4) == "127." && is_ipv4(h);  // 127.0.0.0/8
}

bool is_host_name(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host)
    if (!host_char(c)) return false;
  return true;
}

bool is_ipv4(std::string_view host) {
  int dots = 0;
  std::size_t digits = 0;
  for (char c : host) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (c >= '0' && c <= '9' && digits < 3) {
      ++digits;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

bool is_ip_literal(std::string_view host) {
  if (host.empty()) return false;
  if (host.find(':') != std::string_view::npos || host.front() == '[') return true;
  return is_ipv4(host);
}

}  // namespace camoufleet::core
