#include <doctest/doctest.h>

#include "config/node_settings.hpp"
#include "parse_fixture.hpp"

using namespace camoufleet::config;
using camoufleet::config::test::error_line;
using camoufleet::config::test::parse_fixture;

TEST_CASE("node settings: endpoints are HOST:PORT, [V6]:PORT or a bare port") {
  std::string err;
  auto a = parse_endpoint("10.0.0.2:7000", "127.0.0.1", err);
  REQUIRE(a);
  CHECK(a->host == "10.0.0.2");
  CHECK(a->port == 7000);
  auto b = parse_endpoint("0", "127.0.0.1", err);
  REQUIRE(b);
  CHECK(b->host == "127.0.0.1");
  CHECK(b->port == 0);
  auto c = parse_endpoint("[::1]:9", "127.0.0.1", err);
  REQUIRE(c);
  CHECK(c->host == "::1");
  CHECK_FALSE(parse_endpoint("::1:9", "h", err));
  CHECK(err.find("[ADDRESS]:PORT") != std::string::npos);
  CHECK_FALSE(parse_endpoint("host:", "h", err));
  CHECK_FALSE(parse_endpoint(":80", "h", err));
  CHECK_FALSE(parse_endpoint("host:70000", "h", err));
  CHECK_FALSE(parse_endpoint("host:8x", "h", err));
}

TEST_CASE("node settings: a head listens for nodes with --multi only") {
  parse_fixture f;
  auto r = f.parse({"--multi", "--node-listen", "127.0.0.1:0"});
  REQUIRE_FALSE(r.exit_now);
  CHECK(r.value.node_listen_host == "127.0.0.1");
  CHECK(r.value.node_listen_port == 0);
  CHECK(f.parse({}).value.node_listen_port == -1);
  auto single = f.parse({"--node-listen", "7000"});
  CHECK(single.exit_code == 2);
  CHECK(error_line(single).find("error: --node-listen: nodes join a fleet: add --multi") == 0);
}

TEST_CASE("node settings: `node` needs --head and takes a node id") {
  parse_fixture f;
  auto r = f.parse({"node", "--head", "10.1.2.3:7000", "--node-id", "gpu-box.2"});
  REQUIRE_FALSE(r.exit_now);
  CHECK(r.value.cmd == command::node);
  CHECK(r.value.multi);
  CHECK(r.value.head_host == "10.1.2.3");
  CHECK(r.value.head_port == 7000);
  CHECK(r.value.node_id == "gpu-box.2");
  CHECK(error_line(f.parse({"node"})).find("error: --head: `camoufleet node` needs") == 0);
  CHECK(error_line(f.parse({"node", "--head", "h:0"})).find("error: --head: port 0") == 0);
  CHECK(error_line(f.parse({"node", "--head", "h:1", "--node-id", "a/b"})).find("error: --node-id:") == 0);
  CHECK(f.parse({"--multi", "--head", "h:1"}).exit_code == 2);  // --head belongs to `node`
  CHECK_FALSE(f.parse({"node", "--head", "h:1"}).value.node_id.empty());
}

TEST_CASE("node settings: the secret file is read, a missing one is an error") {
  parse_fixture f;
  f.dir.write("node.secret", "# shared by head and nodes\nsome-long-shared-secret-value\n");
  auto r = f.parse({"--multi", "--node-listen", "0", "--node-secret-file", "node.secret"});
  REQUIRE_FALSE(r.exit_now);
  CHECK(r.value.node_secret == "some-long-shared-secret-value");
  auto missing = f.parse({"--multi", "--node-listen", "0", "--node-secret-file", "nope.secret"});
  CHECK(missing.exit_code == 2);
  CHECK(error_line(missing).find("error: --node-secret-file:") == 0);
}

TEST_CASE("node settings: TLS takes certificate, key and CA together") {
  parse_fixture f;
  f.dir.write("c.pem", "x");
  auto r = f.parse({"--multi", "--node-listen", "0", "--node-tls-cert", "c.pem"});
  CHECK(error_line(r).find("error: --node-tls-cert: TLS needs all of") == 0);
  auto gone = f.parse({"--multi", "--node-listen", "0", "--node-tls-cert", "c.pem",
                       "--node-tls-key", "c.pem", "--node-tls-ca", "missing.pem"});
  CHECK(error_line(gone).find("error: --node-tls-ca: missing.pem cannot be read") == 0);
  auto ok = f.parse({"--multi", "--node-listen", "0", "--node-tls-cert", "c.pem",
                     "--node-tls-key", "c.pem", "--node-tls-ca", "c.pem"});
  CHECK_FALSE(ok.exit_now);
}
