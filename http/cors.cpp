#include "http/cors.hpp"

#include "core/text.hpp"

namespace camoufleet::http {

namespace {

// A header name (RFC 9110 token).
bool token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  for (char t : std::string_view("!#$%&'*+-.^_`|~"))
    if (c == t) return true;
  return false;
}

// "authorization, content-type" → the same list, trimmed; "" when any entry
// is not a header name (then nothing is echoed and the browser refuses).
std::string header_names(std::string_view list) {
  std::string out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto name = core::trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (name.empty()) continue;
    for (char c : name)
      if (!token_char(c)) return {};
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// An IPv6 host with or without its brackets ("[::1]" and "::1" alike).
std::string_view unbracketed(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    return host.substr(1, host.size() - 2);
  return host;
}

}  // namespace

cors_policy::cors_policy(const std::vector<std::string>& origins) {
  for (const auto& entry : origins) {
    const auto e = core::trim(entry);
    if (e == "*") {
      any_ = true;
    } else if (e == "null") {
      null_ = true;
    } else if (auto o = core::parse_origin(entry)) {
      origins_.push_back(std::move(*o));
    }
  }
}

bool cors_policy::allows(std::string_view origin, std::string_view host) const {
  const auto o = core::parse_origin(origin);
  // "null": a file:// page or a sandboxed frame, of any site.
  if (!o) return (any_ || null_) && core::trim(origin) == "null";
  if (any_ || core::is_loopback(*o)) return true;
  if (!host.empty() && unbracketed(o->host) == unbracketed(core::to_lower(host))) return true;
  for (const auto& allowed : origins_)
    if (allowed == *o) return true;
  return false;
}

header_list cors_policy::answer_headers(std::string_view origin) const {
  header_list h;
  h.emplace_back("Access-Control-Allow-Origin", std::string(core::trim(origin)));
  h.emplace_back("Vary", "Origin");
  h.emplace_back("Access-Control-Expose-Headers",
                 "X-Request-Id, X-Camoufleet-Instance, Retry-After");
  return h;
}

header_list cors_policy::preflight_headers(std::string_view origin,
                                           std::string_view request_headers,
                                           bool private_network) const {
  header_list h;
  h.emplace_back("Access-Control-Allow-Origin", std::string(core::trim(origin)));
  h.emplace_back("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  h.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  if (auto names = header_names(request_headers); !names.empty())
    h.emplace_back("Access-Control-Allow-Headers", std::move(names));
  h.emplace_back("Access-Control-Max-Age", "600");
  if (private_network) h.emplace_back("Access-Control-Allow-Private-Network", "true");
  return h;
}

}  // namespace camoufleet::http
