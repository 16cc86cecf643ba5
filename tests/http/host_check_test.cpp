#include <doctest/doctest.h>

#include "http/host_check.hpp"

using camoufleet::http::host_check;
using camoufleet::http::is_ip_literal;

TEST_CASE("host check: addresses are IP literals, names are not") {
  for (const char* ip : {"127.0.0.1", "10.0.0.5", "192.168.1.20", "::1", "[::1]", "2001:db8::1"}) {
    CAPTURE(ip);
    CHECK(is_ip_literal(ip));
  }
  for (const char* name : {"", "localhost", "evil.example", "127.0.0.1.nip.io", "1.2.3", "1.2.3.4.5",
                           "1234.1.1.1", "1..2.3", "a.1.2.3"}) {
    CAPTURE(name);
    CHECK_FALSE(is_ip_literal(name));
  }
}

TEST_CASE("host check: without keys only addresses, loopback names and listed names") {
  host_check open({}, false);
  CHECK(open.allows("127.0.0.1"));
  CHECK(open.allows("192.168.1.20"));
  CHECK(open.allows("[::1]"));
  CHECK(open.allows("localhost"));
  CHECK(open.allows("LocalHost"));
  CHECK(open.allows("fleet.localhost"));
  CHECK(open.allows(""));  // no Host: not a browser
  // A page's own name, pointed at 127.0.0.1 by its DNS (rebinding).
  CHECK_FALSE(open.allows("rebind.evil.example"));
  CHECK_FALSE(open.allows("localhost.evil.example"));

  host_check listed({"Fleet.Example.com", " box "}, false);
  CHECK(listed.allows("fleet.example.com"));
  CHECK(listed.allows("box"));
  CHECK_FALSE(listed.allows("other.example.com"));

  host_check any({"*"}, false);
  CHECK(any.allows("rebind.evil.example"));
}

TEST_CASE("host check: with API keys every name is fine (a rebinding page has no key)") {
  host_check keyed({}, true);
  CHECK(keyed.allows("rebind.evil.example"));
  CHECK(keyed.allows("fleet.example.com"));
}
