#include "http/cors.hpp"

#include <doctest/doctest.h>

#include <string>

#include "core/web_origin.hpp"

using namespace camoufleet;
using camoufleet::http::cors_policy;
using camoufleet::http::header_list;

namespace {

std::string header(const header_list& h, const std::string& name) {
  for (const auto& [n, v] : h)
    if (n == name) return v;
  return "(none)";
}

}  // namespace

TEST_CASE("cors: origins are read as browsers write them, and nothing else") {
  auto o = core::parse_origin("HTTPS://App.Example.com");
  REQUIRE(o);
  CHECK(o->scheme == "https");
  CHECK(o->host == "app.example.com");
  CHECK(o->port == 443);
  CHECK(o->text() == "https://app.example.com");
  CHECK(core::parse_origin("https://app.example.com:443/")->text() == "https://app.example.com");
  CHECK(core::parse_origin("http://localhost:3000")->port == 3000);
  CHECK(core::parse_origin("http://[::1]:8080")->host == "[::1]");
  CHECK(core::parse_origin("chrome-extension://abcdef")->text() == "chrome-extension://abcdef");
  CHECK(core::parse_origin("chrome-extension://abcdef")->port == 0);

  for (const char* bad : {"", "null", "app.example.com", "https://", "https://a.com/path",
                          "https://user@a.com", "https://a.com?x=1", "https://a.com:",
                          "https://a.com:0", "https://a.com:65536", "https://a.com:80a",
                          "https://[::1", "https://[zz]", "1http://a.com", "https://a .com", "*"}) {
    CAPTURE(bad);
    CHECK_FALSE(core::parse_origin(bad));
  }
}

TEST_CASE("cors: loopback pages are this machine's") {
  for (const char* local : {"http://localhost:5173", "http://app.localhost", "http://127.0.0.1",
                            "https://127.1.2.3:8443", "http://[::1]:3000"}) {
    CAPTURE(local);
    CHECK(core::is_loopback(*core::parse_origin(local)));
  }
  CHECK(core::is_loopback_host("::1"));  // as --host gives it
  for (const char* other : {"http://localhost.example.com", "http://127.0.0.1.nip.io",
                            "http://10.0.0.1", "http://[::2]", "http://127.0.0"}) {
    CAPTURE(other);
    CHECK_FALSE(core::is_loopback(*core::parse_origin(other)));
  }
}

TEST_CASE("cors: loopback pages and the server's own pages need no list, others must be listed") {
  cors_policy none({});
  CHECK(none.allows("http://localhost:3000", "fleet.example.com"));
  CHECK(none.allows("http://127.0.0.1:8080", ""));
  // The dashboard reached by name: its POSTs name the host the request went to.
  CHECK(none.allows("http://fleet.example.com:2048", "fleet.example.com"));
  CHECK(none.allows("https://Fleet.Example.com", "FLEET.example.com"));
  // Reached by an IPv6 address, whichever way the Host header was read.
  CHECK(none.allows("http://[2001:db8::1]:2048", "2001:db8::1"));
  CHECK(none.allows("http://[2001:db8::1]:2048", "[2001:db8::1]"));
  CHECK_FALSE(none.allows("http://[2001:db8::2]:2048", "2001:db8::1"));
  CHECK_FALSE(none.allows("https://evil.example.net", "fleet.example.com"));
  CHECK_FALSE(none.allows("https://evil.example.net", ""));
  CHECK_FALSE(none.allows("null", "fleet.example.com"));
  CHECK_FALSE(none.allows("not an origin", "fleet.example.com"));

  cors_policy listed({"https://chat.example.com", "http://10.0.0.5:3000"});
  CHECK(listed.allows("https://chat.example.com", "127.0.0.1"));
  CHECK(listed.allows("https://CHAT.example.com:443", "127.0.0.1"));
  CHECK(listed.allows("http://10.0.0.5:3000", "127.0.0.1"));
  CHECK_FALSE(listed.allows("http://chat.example.com", "127.0.0.1"));        // another scheme
  CHECK_FALSE(listed.allows("https://chat.example.com:8443", "127.0.0.1"));  // another port
  CHECK_FALSE(listed.allows("http://10.0.0.5:3001", "127.0.0.1"));
  CHECK_FALSE(listed.allows("https://sub.chat.example.com", "127.0.0.1"));

  cors_policy any({"*"});
  CHECK(any.allows("https://anything.example.org", "127.0.0.1"));
  CHECK(any.allows("null", "127.0.0.1"));
  CHECK_FALSE(any.allows("garbage", "127.0.0.1"));

  cors_policy with_null({"null"});
  CHECK(with_null.allows("null", ""));
  CHECK_FALSE(with_null.allows("https://anything.example.org", ""));
}

TEST_CASE("cors: an answer names the origin, never '*', and lets the page read our headers") {
  cors_policy any({"*"});
  const auto h = any.answer_headers("https://chat.example.com");
  CHECK(header(h, "Access-Control-Allow-Origin") == "https://chat.example.com");
  CHECK(header(h, "Vary") == "Origin");
  const auto exposed = header(h, "Access-Control-Expose-Headers");
  for (const char* name : {"X-Request-Id", "X-Camoufleet-Instance", "Retry-After"}) {
    CAPTURE(name);
    CHECK(exposed.find(name) != std::string::npos);
  }
  CHECK(header(h, "Access-Control-Allow-Credentials") == "(none)");
}

TEST_CASE("cors: a preflight echoes the header names asked for, and private network access") {
  cors_policy none({});
  auto h = none.preflight_headers(
      "http://localhost:3000",
      " authorization,content-type ,x-stainless-os,, x-stainless-retry-count", false);
  CHECK(header(h, "Access-Control-Allow-Origin") == "http://localhost:3000");
  CHECK(header(h, "Access-Control-Allow-Methods") == "GET, POST, OPTIONS");
  CHECK(header(h, "Access-Control-Allow-Headers") ==
        "authorization, content-type, x-stainless-os, x-stainless-retry-count");
  CHECK(header(h, "Access-Control-Max-Age") == "600");
  CHECK(header(h, "Access-Control-Allow-Private-Network") == "(none)");
  CHECK(header(h, "Vary").find("Origin") != std::string::npos);

  h = none.preflight_headers("http://localhost:3000", "", true);
  CHECK(header(h, "Access-Control-Allow-Headers") == "(none)");
  CHECK(header(h, "Access-Control-Allow-Private-Network") == "true");

  // Not a list of header names: nothing is echoed (no way to smuggle a value).
  h = none.preflight_headers("http://localhost:3000", "authorization, x-a: b", false);
  CHECK(header(h, "Access-Control-Allow-Headers") == "(none)");
}
