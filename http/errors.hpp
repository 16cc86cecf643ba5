#pragma once
// The one place where a failure becomes an HTTP status, an OpenAI error body
// {"error":{"message","type","param","code"}} and retry headers. Pure.

#include <string>
#include <utility>
#include <vector>

#include "actors/types.hpp"

namespace camoufleet::http {

// Failures that only the HTTP side knows about.
enum class http_failure {
  unauthorized,        // 401: missing or wrong API key
  origin_not_allowed,  // 403: a browser page whose origin --cors-origins does not allow
  host_not_allowed,    // 403: addressed by a name --allowed-hosts does not list (no keys)
  route_not_found,     // 404
  method_not_allowed,  // 405
  too_large,           // 413
  internal,            // 500
  fleet_unresponsive,  // 503: the fleet's actors did not answer (not "no instances")
};

struct error_reply {
  int status = 500;
  std::string type;
  std::string code;  // "" = null on the wire
  std::string message;
  std::string param;  // "" = null on the wire
  std::vector<std::pair<std::string, std::string>> headers;  // Retry-After, x-should-retry, ...
};

// Seconds to suggest when the gateway gave no hint.
constexpr int default_retry_after_s = 5;

// retry_after_s > 0 overrides the default Retry-After of 429/503.
error_reply map_error(error_code code, std::string message, int retry_after_s = 0);
error_reply map_failure(http_failure failure, std::string message, std::string param = {});
// 404 for an instance id the fleet does not have (param "instance_id").
error_reply unknown_instance(const std::string& instance_id);
// Why an instance's screenshot could not be had: 404 unknown instance, 503
// no browser now, 502 the browser gave none.
error_reply screenshot_error(const screenshot_reply& reply, const std::string& instance_id);
// A 400 from request validation.
error_reply bad_request(std::string message, std::string param);

// {"error":{...}} as it goes into a response body or an SSE error event.
std::string error_body(const error_reply& e);

// The short token used in "code" for an error_code ("queue_full", ...).
const char* error_code_name(error_code code);

}  // namespace camoufleet::http
