// Parsing http(s) image URLs and resolving redirect locations (pure).
#include "fetch/url.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace camoufleet::fetch {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const char* scheme_of(const http_url& u) { return u.tls ? "https" : "http"; }

// RFC 3986 section 5.2.4: "/a/b/../c/./d" -> "/a/c/d".
std::string remove_dot_segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  const bool absolute = !path.empty() && path[0] == '/';
  if (absolute) i = 1;
  bool trailing = false;
  while (i <= path.size()) {
    const auto slash = path.find('/', i);
    const std::string seg = path.substr(i, slash == std::string::npos ? std::string::npos : slash - i);
    trailing = seg == "." || seg == "..";
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (seg != ".") {
      out.push_back(seg);
    }
    if (slash == std::string::npos) break;
    i = slash + 1;
  }
  std::string joined = absolute ? "/" : "";
  for (std::size_t k = 0; k < out.size(); ++k) joined += (k ? "/" : "") + out[k];
  if (trailing && (joined.empty() || joined.back() != '/')) joined += '/';
  return joined;
}

}  // namespace

std::string http_url::host_header() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == (tls ? "443" : "80") ? h : h + ":" + port;
}

std::string http_url::text() const { return std::string(scheme_of(*this)) + "://" + host_header() + target; }

std::optional<http_url> parse_http_url(const std::string& url, std::string& error) {
  const std::string head = lower(url.substr(0, 8));
  http_url out;
  std::string rest;
  if (head.rfind("https://", 0) == 0) {
    out.tls = true;
    out.port = "443";
    rest = url.substr(8);
  } else if (head.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    error = "is not an http:// or https:// URL";
    return std::nullopt;
  }
  const auto slash = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) out.target = rest.substr(slash);
  if (const auto hash = out.target.find('#'); hash != std::string::npos) out.target.resize(hash);
  if (out.target.empty() || out.target[0] != '/') out.target = "/" + out.target;
  if (authority.find('@') != std::string::npos) {
    error = "has user information, which is not fetched";
    return std::nullopt;
  }
  if (!authority.empty() && authority[0] == '[') {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string::npos || (close + 1 < authority.size() && authority[close + 1] != ':')) {
      error = "has a malformed host";
      return std::nullopt;
    }
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) out.port = authority.substr(close + 2);
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  } else {
    out.host = authority;
  }
  const bool port_ok = !out.port.empty() && out.port.size() <= 5 &&
                       std::all_of(out.port.begin(), out.port.end(),
                                   [](unsigned char c) { return std::isdigit(c); }) &&
                       std::stoi(out.port) > 0 && std::stoi(out.port) < 65536;
  const bool host_ok = !out.host.empty() &&
                       std::none_of(out.host.begin(), out.host.end(), [](unsigned char c) {
                         return c <= 0x20 || c == 0x7f || c == '/' || c == '\\';
                       });
  if (!host_ok || !port_ok) {
    error = "has no valid host and port";
    return std::nullopt;
  }
  for (char c : out.target)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      error = "has spaces or control characters";
      return std::nullopt;
    }
  return out;
}

std::string resolve_location(const http_url& base, const std::string& location) {
  std::string ref = location;
  ref.erase(0, ref.find_first_not_of(" \t"));
  ref.erase(ref.find_last_not_of(" \t") + 1);
  if (ref.empty()) return "";
  // An absolute URL: a scheme (letters, digits, + - .) before any / ? #.
  const auto colon = ref.find(':');
  if (colon != std::string::npos && colon > 0 && colon < ref.find_first_of("/?#") &&
      std::isalpha(static_cast<unsigned char>(ref[0])) &&
      std::all_of(ref.begin(), ref.begin() + static_cast<std::ptrdiff_t>(colon),
                  [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '-' || c == '.'; }))
    return ref;
  if (ref.rfind("//", 0) == 0) return std::string(scheme_of(base)) + ":" + ref;
  const std::string origin = std::string(scheme_of(base)) + "://" + base.host_header();
  if (const auto hash = ref.find('#'); hash != std::string::npos) ref.resize(hash);
  const auto q = base.target.find('?');
  const std::string base_path = base.target.substr(0, q);
  if (ref.empty()) return origin + base.target;
  if (ref[0] == '?') return origin + base_path + ref;
  const auto rq = ref.find('?');
  const std::string ref_path = ref.substr(0, rq);
  const std::string ref_query = rq == std::string::npos ? "" : ref.substr(rq);
  if (ref_path[0] == '/') return origin + remove_dot_segments(ref_path) + ref_query;
  const std::string merged = base_path.substr(0, base_path.rfind('/') + 1) + ref_path;
  return origin + remove_dot_segments(merged) + ref_query;
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace camoufleet::fetch
