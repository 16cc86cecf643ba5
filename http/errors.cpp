#include "http/errors.hpp"

#include <nlohmann/json.hpp>

namespace camoufleet::http {

namespace {

error_reply make(int status, const char* type, const char* code, std::string message,
                 std::string param = {}) {
  error_reply e;
  e.status = status;
  e.type = type;
  e.code = code;
  e.message = std::move(message);
  e.param = std::move(param);
  return e;
}

// The official SDKs retry 408/409/429/5xx on their own; x-should-retry makes
// the intent explicit in both directions (a 499 we caused must not repeat).
void should_retry(error_reply& e, bool yes) {
  e.headers.emplace_back("x-should-retry", yes ? "true" : "false");
}

void retry_after(error_reply& e, int seconds) {
  if (seconds <= 0) seconds = default_retry_after_s;
  e.headers.emplace_back("Retry-After", std::to_string(seconds));
  e.headers.emplace_back("retry-after-ms", std::to_string(seconds * 1000));
}

std::string or_default(std::string message, const char* fallback) {
  return message.empty() ? std::string(fallback) : message;
}

}  // namespace

const char* error_code_name(error_code code) {
  switch (code) {
    case error_code::none: return "internal_error";
    case error_code::bad_request: return "invalid_request_error";
    case error_code::unknown_model: return "model_not_found";
    case error_code::queue_full: return "queue_full";
    case error_code::queue_timeout: return "queue_timeout";
    case error_code::no_instances: return "no_instances";
    case error_code::rate_limited: return "rate_limited";
    case error_code::login_lost: return "login_lost";
    case error_code::site_error: return "site_error";
    case error_code::timeout: return "timeout";
    case error_code::browser_gone: return "browser_gone";
    case error_code::cancelled: return "cancelled";
    case error_code::shutting_down: return "shutting_down";
  }
  return "internal_error";
}

error_reply map_error(error_code code, std::string message, int retry_after_s) {
  error_reply e;
  switch (code) {
    case error_code::bad_request:
      e = make(400, "invalid_request_error", "", or_default(std::move(message), "Bad request."));
      should_retry(e, false);
      return e;
    case error_code::unknown_model:
      e = make(404, "invalid_request_error", "model_not_found",
               or_default(std::move(message), "The model does not exist."), "model");
      should_retry(e, false);
      return e;
    case error_code::queue_full:
      e = make(429, "rate_limit_error", "rate_limit_exceeded",
               or_default(std::move(message),
                          "Too many requests: the queue is full. Try again later."));
      retry_after(e, retry_after_s);
      should_retry(e, true);
      return e;
    case error_code::rate_limited:
      e = make(429, "rate_limit_error", "rate_limit_exceeded",
               or_default(std::move(message), "The upstream site is rate limiting us."));
      retry_after(e, retry_after_s);
      should_retry(e, true);
      return e;
    case error_code::queue_timeout:
      e = make(503, "service_unavailable_error", "queue_timeout",
               or_default(std::move(message),
                          "The request waited too long in the queue for a free instance."));
      retry_after(e, retry_after_s);
      should_retry(e, true);
      return e;
    case error_code::no_instances:
      e = make(503, "service_unavailable_error", "no_instances",
               or_default(std::move(message), "No browser instance can serve requests now."));
      retry_after(e, retry_after_s);
      should_retry(e, true);
      return e;
    case error_code::shutting_down:
      e = make(503, "service_unavailable_error", "shutting_down",
               or_default(std::move(message), "The server is shutting down."));
      retry_after(e, retry_after_s);
      should_retry(e, true);
      return e;
    case error_code::login_lost:
    case error_code::site_error:
    case error_code::browser_gone:
      e = make(502, "upstream_error", error_code_name(code),
               or_default(std::move(message), "The upstream site failed to answer."));
      should_retry(e, true);
      return e;
    case error_code::timeout:
      e = make(504, "timeout_error", "timeout",
               or_default(std::move(message), "The upstream site did not answer in time."));
      should_retry(e, true);
      return e;
    case error_code::cancelled:
      // nginx's "client closed request": the request was cancelled on purpose.
      e = make(499, "request_cancelled", "cancelled",
               or_default(std::move(message), "The request was cancelled."));
      should_retry(e, false);
      return e;
    case error_code::none:
      break;
  }
  return map_failure(http_failure::internal, std::move(message));
}

error_reply map_failure(http_failure failure, std::string message, std::string param) {
  error_reply e;
  switch (failure) {
    case http_failure::unauthorized:
      e = make(401, "invalid_request_error", "invalid_api_key",
               or_default(std::move(message), "Incorrect API key provided."));
      should_retry(e, false);
      e.headers.emplace_back("WWW-Authenticate", "Bearer");
      break;
    case http_failure::origin_not_allowed:
      e = make(403, "invalid_request_error", "origin_not_allowed",
               or_default(std::move(message), "Calls from this web page are not allowed."));
      should_retry(e, false);
      break;
    case http_failure::host_not_allowed:
      e = make(403, "invalid_request_error", "host_not_allowed",
               or_default(std::move(message), "Requests by this host name are refused."));
      should_retry(e, false);
      break;
    case http_failure::route_not_found:
      e = make(404, "invalid_request_error", "unknown_url",
               or_default(std::move(message), "Unknown request URL."));
      should_retry(e, false);
      break;
    case http_failure::method_not_allowed:
      e = make(405, "invalid_request_error", "method_not_allowed",
               or_default(std::move(message), "Method not allowed for this URL."));
      should_retry(e, false);
      break;
    case http_failure::too_large:
      e = make(413, "invalid_request_error", "request_too_large",
               or_default(std::move(message), "The request body is too large."));
      should_retry(e, false);
      break;
    case http_failure::fleet_unresponsive:
      e = make(503, "service_unavailable_error", "fleet_unresponsive",
               or_default(std::move(message), "The fleet did not answer in time."));
      retry_after(e, default_retry_after_s);
      break;
    case http_failure::internal:
      e = make(500, "server_error", "internal_error",
               or_default(std::move(message), "The server had an error while processing "
                                              "your request."));
      should_retry(e, true);
      break;
  }
  e.param = std::move(param);
  return e;
}

error_reply unknown_instance(const std::string& instance_id) {
  return map_failure(http_failure::route_not_found, "No instance with id '" + instance_id + "'.",
                     "instance_id");
}

error_reply screenshot_error(const screenshot_reply& reply, const std::string& instance_id) {
  switch (reply.status) {
    case screenshot_status::unknown_instance:
      return unknown_instance(instance_id);
    case screenshot_status::no_page:
      return map_error(error_code::no_instances,
                       "Instance '" + instance_id + "' has no browser page right now.");
    case screenshot_status::ok:
    case screenshot_status::failed:
      break;
  }
  return map_error(error_code::site_error, "No screenshot of instance '" + instance_id +
                                               "': " + reply.message);
}

error_reply bad_request(std::string message, std::string param) {
  auto e = map_error(error_code::bad_request, std::move(message));
  e.param = std::move(param);
  return e;
}

std::string error_body(const error_reply& e) {
  nlohmann::ordered_json err = {{"message", e.message}, {"type", e.type}};
  err["param"] = e.param.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(e.param);
  err["code"] = e.code.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(e.code);
  return nlohmann::ordered_json{{"error", err}}.dump(-1, ' ', false,
                                              nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace camoufleet::http
