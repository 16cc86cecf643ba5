#include "config/node_settings.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <utility>

#include "config/key_file.hpp"

namespace camoufleet::config {

std::optional<endpoint> parse_endpoint(const std::string& text, const std::string& default_host,
                                       std::string& error) {
  endpoint e;
  std::string port_text = text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      error = "\"" + text + "\" is not [ADDRESS]:PORT";
      return std::nullopt;
    }
    e.host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else if (auto colon = text.rfind(':'); colon != std::string::npos) {
    if (text.find(':') != colon) {
      error = "\"" + text + "\": write an IPv6 address as [ADDRESS]:PORT";
      return std::nullopt;
    }
    e.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  } else {
    e.host = default_host;
  }
  if (e.host.empty()) {
    error = "\"" + text + "\" has no host";
    return std::nullopt;
  }
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    error = "\"" + text + "\" has no port number (HOST:PORT)";
    return std::nullopt;
  }
  e.port = std::stoi(port_text);
  if (e.port > 65535) {
    error = "port " + port_text + " is out of range 0-65535";
    return std::nullopt;
  }
  return e;
}

std::string apply_node_settings(settings& s) {
  std::string error;
  if (!s.node_listen.empty()) {
    if (s.cmd == command::node) return "--node-listen: a node joins a head (--head), it listens for none";
    auto e = parse_endpoint(s.node_listen, "127.0.0.1", error);
    if (!e) return "--node-listen: " + error;
    if (!s.multi) return "--node-listen: nodes join a fleet: add --multi";
    s.node_listen_host = e->host;
    s.node_listen_port = e->port;
  }
  if (s.cmd == command::node) {
    if (s.head.empty()) return "--head: `camoufleet node` needs the head's HOST:PORT (--head)";
    auto e = parse_endpoint(s.head, "127.0.0.1", error);
    if (!e) return "--head: " + error;
    if (e->port == 0) return "--head: port 0 cannot be joined; give the port the head logged";
    s.head_host = e->host;
    s.head_port = e->port;
    if (s.node_id.empty()) s.node_id = default_node_id();
    for (char c : s.node_id) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-'))
        return "--node-id: \"" + s.node_id + "\" may hold only A-Z a-z 0-9 . _ -";
    }
    if (s.node_id.size() > 64) return "--node-id: at most 64 characters";
  } else if (!s.head.empty()) {
    return "--head: only `camoufleet node` joins a head";
  }
  return {};
}

std::string check_node_tls(const settings& s) {
  const int given = !s.node_tls_cert.empty() + !s.node_tls_key.empty() + !s.node_tls_ca.empty();
  if (given == 0) return {};
  if (given != 3)
    return "--node-tls-cert: TLS needs all of --node-tls-cert, --node-tls-key and --node-tls-ca";
  if (s.cmd != command::node && s.node_listen.empty())
    return "--node-tls-cert: only for a head (--node-listen) or a node";
  for (const auto& [flag, path] : {std::pair<const char*, const std::string&>{"--node-tls-cert", s.node_tls_cert},
                                   {"--node-tls-key", s.node_tls_key},
                                   {"--node-tls-ca", s.node_tls_ca}}) {
    std::ifstream in(path);
    if (!in) return std::string(flag) + ": " + path + " cannot be read";
  }
  return {};
}

std::string load_node_secret(settings& s, std::vector<std::string>& warnings) {
  if (auto err = check_node_tls(s); !err.empty()) return err;
  if (s.node_secret_file.empty()) return {};
  auto r = load_key_file(s.node_secret_file);
  if (!r.error.empty()) return "--node-secret-file: " + r.error;
  if (r.keys.empty()) return "--node-secret-file: " + s.node_secret_file + " holds no secret";
  s.node_secret = r.keys.front().key;  // a secret has no whitespace, as a key
  if (s.node_secret.size() < 16)
    warnings.push_back("--node-secret-file: the secret is shorter than 16 characters");
  if (r.shared)
    warnings.push_back("--node-secret-file: " + s.node_secret_file +
                       " can be read by other users; chmod 600 it");
  return {};
}

std::string default_node_id() {
  char name[256] = {};
  std::string out;
  if (::gethostname(name, sizeof(name) - 1) == 0) {
    for (const char* p = name; *p != '\0' && out.size() < 64; ++p) {
      const char c = *p;
      out += std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ? c : '_';
    }
  }
  return out.empty() ? "node" : out;
}

}  // namespace camoufleet::config
