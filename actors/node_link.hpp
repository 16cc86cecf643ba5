#pragma once
// The pure rules of joining nodes to a head (issue 19): who may join, what a
// node's instances are called, how long a node waits before trying again.
// No CAF here; registry_actor and node_agent apply them.

#include <chrono>
#include <string>

namespace camoufleet::node_link {

struct verdict {
  bool accepted = false;
  std::string why;  // for the log when refused; never holds a secret
};

// A node id names the node in instance ids ("<id>/instance_N"), logs and
// /v1/instances: 1-64 characters of [A-Za-z0-9._-].
bool valid_node_id(const std::string& id);

// Decides on a node's hello. expected_secret "" = the head has none: only
// nodes whose connection comes from a loopback address may join.
// peer_host is the address the head's middleman saw, not what the node says.
verdict check_hello(const std::string& expected_secret, const std::string& given_secret,
                    const std::string& node_id, const std::string& peer_host);

// True for 127.x.y.z, ::1, ::ffff:127.x.y.z and "localhost".
bool is_loopback(const std::string& host);

// The id an instance of a node carries over the whole fleet:
// "<node id>.instance_N" (no '/': ids are path segments of /v1/instances/ID/...).
std::string member_id(const std::string& node_id, const std::string& local_id);
// True when id is one of node_id's instances.
bool is_member_of(const std::string& node_id, const std::string& id);

// Wait before connection attempt number `failures` + 1 after `failures`
// failed ones in a row: 250 ms doubling up to cap (0 failures: at once).
std::chrono::milliseconds reconnect_delay(int failures,
                                          std::chrono::milliseconds cap = std::chrono::seconds(5));

// Equal strings, compared in time that does not depend on where they differ.
bool same_secret(const std::string& a, const std::string& b);

}  // namespace camoufleet::node_link
