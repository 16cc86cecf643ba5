#pragma once
// Which names a request may address the server by (the Host header). Pure.
//
// DNS rebinding: a page of any site can point its own host name at
// 127.0.0.1 and then call this server as its "own" origin, so the browser
// sends no preflight and lets the page read every answer (the instances,
// screenshots of the signed-in pages, completions). Such a request carries
// the attacker's name in Host. Without API keys (the key would stop it),
// camoufleet therefore answers only requests addressed by an IP address, a
// loopback name (localhost, *.localhost) or a name of --allowed-hosts.

#include <string>
#include <string_view>
#include <vector>

namespace camoufleet::http {

class host_check {
 public:
  // `allowed`: --allowed-hosts, host names ("*" turns the check off);
  // `keys_required`: API keys are configured (then every name is fine).
  host_check(const std::vector<std::string>& allowed, bool keys_required);

  // `host`: the Host header's host part, without the port ("" when absent:
  // not a browser, which always sends one).
  bool allows(std::string_view host) const;

 private:
  bool off_ = false;
  std::vector<std::string> allowed_;
};

// An IPv4 dotted quad or an IPv6 address (bracketed or not): a name no DNS
// answer can rebind.
bool is_ip_literal(std::string_view host);

}  // namespace camoufleet::http
