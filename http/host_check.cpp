#include "http/host_check.hpp"

#include "core/text.hpp"
#include "core/web_origin.hpp"

namespace camoufleet::http {

host_check::host_check(const std::vector<std::string>& allowed, bool keys_required,
                       bool loopback_listen)
    : off_(keys_required || !loopback_listen) {
  for (const auto& name : allowed) {
    const auto n = core::to_lower(core::trim(name));
    if (n == "*") off_ = true;
    if (!n.empty()) allowed_.push_back(n);
  }
}

bool host_check::allows(std::string_view host) const {
  if (off_ || host.empty() || core::is_ip_literal(host)) return true;
  const auto h = core::to_lower(host);
  if (core::is_loopback_host(h)) return true;
  for (const auto& name : allowed_)
    if (h == name) return true;
  return false;
}

}  // namespace camoufleet::http
