#include <doctest/doctest.h>

#include "http/auth.hpp"

using namespace camoufleet::http;

TEST_CASE("auth: no keys configured means open") {
  api_key_check c({});
  CHECK_FALSE(c.enabled());
  CHECK(c.allows(""));
  CHECK(c.allows("Bearer anything"));
  api_key_check only_empty({""});
  CHECK_FALSE(only_empty.enabled());
}

TEST_CASE("auth: bearer keys are checked against every configured key") {
  api_key_check c({"sk-one", "sk-two"});
  CHECK(c.enabled());
  CHECK(c.allows("Bearer sk-one"));
  CHECK(c.allows("Bearer sk-two"));
  CHECK(c.allows("bearer sk-two"));
  CHECK(c.allows("  BEARER   sk-one  "));
  CHECK_FALSE(c.allows(""));
  CHECK_FALSE(c.allows("sk-one"));
  CHECK_FALSE(c.allows("Basic sk-one"));
  CHECK_FALSE(c.allows("Bearer"));
  CHECK_FALSE(c.allows("Bearer "));
  CHECK_FALSE(c.allows("Bearer sk-on"));
  CHECK_FALSE(c.allows("Bearer sk-one1"));
  CHECK_FALSE(c.allows("Bearersk-one"));
}

TEST_CASE("auth: constant_time_equal and exempt paths") {
  CHECK(constant_time_equal("", ""));
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK_FALSE(constant_time_equal("", "a"));
  CHECK(std::string(bearer_token("Bearer  tok ")) == "tok");
  CHECK(auth_exempt("/health"));
  CHECK_FALSE(auth_exempt("/v1/models"));
  CHECK_FALSE(auth_exempt("/health/x"));
  CHECK(auth_exempt("/health/live"));
  CHECK(auth_exempt("/health/ready"));
  CHECK(auth_exempt("/"));
  CHECK(auth_exempt("/dashboard/app.js"));
  CHECK_FALSE(auth_exempt("/metrics"));
  CHECK_FALSE(auth_exempt("/v1/events"));
  CHECK_FALSE(auth_exempt("/v1/instances/instance_1/restart"));
}
