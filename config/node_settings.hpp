#pragma once
// The settings of issue 19's nodes: `--node-listen ADDR:PORT` on a head,
// `camoufleet node --head HOST:PORT` on a node, `--node-id`, and
// `--node-secret-file` on both. Pure parts apart so tests need no files.

#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"

namespace camoufleet::config {

struct endpoint {
  std::string host;
  int port = 0;
};

// "HOST:PORT", "[V6]:PORT" or a bare "PORT" (then host = default_host).
// On failure returns nothing and sets error (without a flag name).
std::optional<endpoint> parse_endpoint(const std::string& text, const std::string& default_host,
                                       std::string& error);

// Fills node_listen_* / head_* from the texts and checks the node settings
// together: "" when fine, else one line that starts with the flag at fault.
std::string apply_node_settings(settings& s);

// The TLS flags: all three or none, each a readable file. "" when fine.
std::string check_node_tls(const settings& s);

// Checks the TLS flags (check_node_tls), then reads --node-secret-file (first non-comment line; the file must not be
// readable by others: warning). "" when fine, else the error line.
std::string load_node_secret(settings& s, std::vector<std::string>& warnings);

// This machine's host name, the default --node-id ("node" if unknown),
// reduced to [A-Za-z0-9._-].
std::string default_node_id();

}  // namespace camoufleet::config
