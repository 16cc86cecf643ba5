#pragma once
// Which names a request may address the server by (the Host header). Pure.
//
// DNS rebinding: a site can make its own host name resolve to 127.0.0.1
// and its page then calls this server as its "own" origin, so the browser
// sends no preflight and lets the page read every answer (the instances,
// screenshots of the signed-in pages, completions). Such a request carries
// the site's name in Host. When the server listens on loopback only and
// has no API keys (a key would stop the page), it therefore answers only
// requests addressed by an IP address, a loopback name (localhost,
// *.localhost) or a name of --allowed-hosts. Listening on another address
// without keys takes --allow-open-api, trust in the whole network: there,
// as in Jupyter, names are not checked (containers call each other by
// service name).

#include <string>
#include <string_view>
#include <vector>

namespace camoufleet::http {

class host_check {
 public:
  // `allowed`: --allowed-hosts, host names ("*" turns the check off);
  // `keys_required`: API keys are configured; `loopback_listen`: the
  // server listens on a loopback address. The check is on only without
  // keys on loopback.
  host_check(const std::vector<std::string>& allowed, bool keys_required, bool loopback_listen);

  // `host`: the Host header's host part, without the port ("" when absent:
  // not a browser, which always sends one).
  bool allows(std::string_view host) const;

 private:
  bool off_ = false;
  std::vector<std::string> allowed_;
};

}  // namespace camoufleet::http
