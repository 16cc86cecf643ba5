// Who calls, for server::impl: requests by a name the server may not be
// addressed by (DNS rebinding) and calls from web pages (CORS): refused,
// preflights answered, or let through with the headers their answers carry.
#include "http/server_impl.hpp"

namespace camoufleet::http {

namespace {

// A header value fit for a log line and an error message: at most 200
// bytes, control characters as '?'.
std::string printable(std::string_view value) {
  std::string out(value.substr(0, 200));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

}  // namespace

bool server::impl::screen_caller(const ph::Request& req, endpoint route,
                                 ph::ResponseWriter& response, header_list& cors) {
  const auto host_header = req.headers().tryGet<ph::Header::Host>();
  const std::string host = host_header ? host_header->host() : std::string();
  if (!hosts_.allows(host)) {
    if (auto held = refusals_.admit("host " + printable(host), steady::now()))
      spdlog::warn("http: refused a request addressed to {} (not in --allowed-hosts){}",
                   printable(host), refusals_.held_note(*held));
    const auto e = map_failure(
        http_failure::host_not_allowed,
        "Requests addressed to " + printable(host) +
            " are refused: without API keys camoufleet answers only requests to an IP address, "
            "localhost or a name of --allowed-hosts (CAMOUFLEET_ALLOWED_HOSTS), so that no web "
            "page can reach it through its own DNS name.");
    reply_now(std::move(response), route, {}, &e);
    return true;
  }
  const auto origin_header = req.headers().tryGetRaw("Origin");
  if (!origin_header) return false;  // not a browser page's call
  const std::string origin = origin_header->value();
  if (!cors_.allows(origin, host)) {
    if (auto held = refusals_.admit("origin " + printable(origin), steady::now()))
      spdlog::warn("http: refused a call from the web page at {} (not in --cors-origins){}",
                   printable(origin), refusals_.held_note(*held));
    const auto e =
        map_failure(http_failure::origin_not_allowed,
                    "Calls from the web page at " + printable(origin) +
                        " are not allowed: start camoufleet with --cors-origins " +
                        printable(origin) + " (or CAMOUFLEET_CORS_ORIGINS) to allow them.");
    reply_now(std::move(response), route, {}, &e);
    return true;
  }
  const auto preflight_method = req.headers().tryGetRaw("Access-Control-Request-Method");
  if (req.method() == ph::Method::Options && preflight_method) {
    const auto asked = req.headers().tryGetRaw("Access-Control-Request-Headers");
    const auto private_network = req.headers().tryGetRaw("Access-Control-Request-Private-Network");
    reply_now(std::move(response), route,
              cors_.preflight_headers(origin, asked ? asked->value() : std::string(),
                                      private_network && private_network->value() == "true"),
              nullptr);
    return true;
  }
  cors = cors_.answer_headers(origin);
  return false;
}

}  // namespace camoufleet::http
