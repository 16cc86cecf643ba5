#pragma once
// Which web pages may call the API from a browser (CORS), and the headers
// that tell the browser so. Pure: the server gives it the request's Origin,
// Host and preflight headers and writes what it returns.
//
// Allowed: pages on this machine (localhost, 127.x, [::1], any port), the
// server's own pages (the dashboard: Origin host = Host), and the origins
// of --cors-origins ("*" = any). A request that names another origin is
// refused with 403 before anything runs: a page on any site could otherwise
// spend the fleet's accounts with a "simple" cross-site POST that needs no
// preflight. Clients that are not browsers send no Origin and are not
// concerned.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/web_origin.hpp"

namespace camoufleet::http {

using header_list = std::vector<std::pair<std::string, std::string>>;

class cors_policy {
 public:
  // `origins`: --cors-origins entries: "*", "null" (file:// pages and
  // sandboxed frames) or origins parse_origin reads; others are ignored
  // here (config refuses them first).
  explicit cors_policy(const std::vector<std::string>& origins);

  // origin: the Origin header as sent; host: the Host header's host name
  // ("" when absent).
  bool allows(std::string_view origin, std::string_view host) const;

  // For an answer to an allowed origin: Access-Control-Allow-Origin (the
  // origin itself, never "*"), Vary and the headers a page may read
  // (X-Request-Id, X-Camoufleet-Instance, Retry-After).
  header_list answer_headers(std::string_view origin) const;

  // For a preflight (OPTIONS with Access-Control-Request-Method) from an
  // allowed origin: answer_headers plus the methods, the requested headers
  // echoed back when they are a plain list of header names, how long the
  // browser may keep the answer, and Access-Control-Allow-Private-Network
  // when asked for (a public page calling a server on a private network).
  header_list preflight_headers(std::string_view origin, std::string_view request_headers,
                                bool private_network) const;

 private:
  bool any_ = false;
  bool null_ = false;
  std::vector<core::web_origin> origins_;
};

}  // namespace camoufleet::http
