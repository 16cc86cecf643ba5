#include "http/host_check.hpp"

#include <doctest/doctest.h>

#include "core/web_origin.hpp"

using camoufleet::core::is_ip_literal;
using camoufleet::http::host_check;

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
  host_check open({}, false, true);
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

  host_check listed({"Fleet.Example.com", " box "}, false, true);
  CHECK(listed.allows("fleet.example.com"));
  CHECK(listed.allows("box"));
  CHECK_FALSE(listed.allows("other.example.com"));

  host_check any({"*"}, false, true);
  CHECK(any.allows("rebind.evil.example"));
}

TEST_CASE("host check: with API keys, or listening beyond loopback, every name is fine") {
  // A rebinding page has no key.
  host_check keyed({}, true, true);
  CHECK(keyed.allows("rebind.evil.example"));
  CHECK(keyed.allows("fleet.example.com"));
  // --host 0.0.0.0 --allow-open-api: containers call it by service name.
  host_check open_network({}, false, false);
  CHECK(open_network.allows("camoufleet"));
}
