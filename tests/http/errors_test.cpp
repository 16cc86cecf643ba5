#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "http/errors.hpp"

using namespace camoufleet;
using namespace camoufleet::http;
using nlohmann::json;

namespace {

std::string header(const error_reply& e, const std::string& name) {
  for (const auto& [k, v] : e.headers)
    if (k == name) return v;
  return {};
}

}  // namespace

TEST_CASE("errors: every error_code maps to its status, type and code") {
  struct row {
    error_code code;
    int status;
    const char* type;
    const char* wire_code;  // "" = null
    bool retry_after;
    const char* should_retry;
  };
  const row table[] = {
      {error_code::bad_request, 400, "invalid_request_error", "", false, "false"},
      {error_code::unknown_model, 404, "invalid_request_error", "model_not_found", false, "false"},
      {error_code::queue_full, 429, "rate_limit_error", "rate_limit_exceeded", true, "true"},
      {error_code::rate_limited, 429, "rate_limit_error", "rate_limit_exceeded", true, "true"},
      {error_code::queue_timeout, 503, "service_unavailable_error", "queue_timeout", true, "true"},
      {error_code::no_instances, 503, "service_unavailable_error", "no_instances", true, "true"},
      {error_code::shutting_down, 503, "service_unavailable_error", "shutting_down", true, "true"},
      {error_code::login_lost, 502, "upstream_error", "login_lost", false, "true"},
      {error_code::site_error, 502, "upstream_error", "site_error", false, "true"},
      {error_code::browser_gone, 502, "upstream_error", "browser_gone", false, "true"},
      {error_code::timeout, 504, "timeout_error", "timeout", false, "true"},
      {error_code::cancelled, 499, "request_cancelled", "cancelled", false, "false"},
      {error_code::none, 500, "server_error", "internal_error", false, "true"},
  };
  for (const auto& r : table) {
    INFO("code: " << error_code_name(r.code));
    const auto e = map_error(r.code, "");
    CHECK(e.status == r.status);
    CHECK(e.type == r.type);
    CHECK(e.code == r.wire_code);
    CHECK_FALSE(e.message.empty());
    CHECK((header(e, "Retry-After").empty()) == !r.retry_after);
    CHECK(header(e, "x-should-retry") == r.should_retry);
    const auto body = json::parse(error_body(e));
    CHECK(body["error"]["type"] == r.type);
    if (std::string(r.wire_code).empty()) CHECK(body["error"]["code"].is_null());
    else CHECK(body["error"]["code"] == r.wire_code);
  }
}

TEST_CASE("errors: Retry-After uses the gateway's hint, else the default") {
  auto e = map_error(error_code::queue_full, "full", 17);
  CHECK(header(e, "Retry-After") == "17");
  CHECK(header(e, "retry-after-ms") == "17000");
  auto d = map_error(error_code::no_instances, "none");
  CHECK(header(d, "Retry-After") == std::to_string(default_retry_after_s));
  CHECK(e.message == "full");
}

TEST_CASE("errors: HTTP-only failures") {
  auto u = map_failure(http_failure::unauthorized, "");
  CHECK(u.status == 401);
  CHECK(u.code == "invalid_api_key");
  CHECK(header(u, "WWW-Authenticate") == "Bearer");
  CHECK(map_failure(http_failure::route_not_found, "").status == 404);
  CHECK(map_failure(http_failure::method_not_allowed, "").status == 405);
  CHECK(map_failure(http_failure::too_large, "").status == 413);
  CHECK(map_failure(http_failure::internal, "").status == 500);
}

TEST_CASE("errors: body layout, null param, param from validation") {
  auto e = bad_request("Invalid value for 'temperature'", "temperature");
  CHECK(error_body(e) ==
        R"({"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error",)"
        R"("param":"temperature","code":null}})");
  auto n = map_error(error_code::timeout, "slow");
  CHECK(json::parse(error_body(n))["error"]["param"].is_null());
  // Broken UTF-8 in a message from the site must not make the body throw.
  CHECK_NOTHROW(json::parse(error_body(map_error(error_code::site_error, "bad \xff"))));
}

TEST_CASE("errors: a screenshot's failure maps to 404, 503 or 502 naming the instance") {
  auto unknown = screenshot_error({screenshot_status::unknown_instance, {}, "x"}, "inst-9");
  CHECK(unknown.status == 404);
  CHECK(unknown.param == "instance_id");
  auto none = screenshot_error({screenshot_status::no_page, {}, "x"}, "inst-2");
  CHECK(none.status == 503);
  CHECK(none.message.find("inst-2") != std::string::npos);
  auto failed = screenshot_error({screenshot_status::failed, {}, "Page.captureScreenshot: timed out"},
                                 "inst-3");
  CHECK(failed.status == 502);
  CHECK(failed.message.find("timed out") != std::string::npos);
}
