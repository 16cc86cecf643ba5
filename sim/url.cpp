#include "sim/url.hpp"

#include <cctype>

namespace camoufleet::sim {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string url_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() &&
               hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::map<std::string, std::string> parse_form(const std::string& s) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    auto end = s.find('&', i);
    if (end == std::string::npos) end = s.size();
    auto item = s.substr(i, end - i);
    if (!item.empty()) {
      auto eq = item.find('=');
      if (eq == std::string::npos)
        out[url_decode(item)] = "";
      else
        out[url_decode(item.substr(0, eq))] = url_decode(item.substr(eq + 1));
    }
    i = end + 1;
  }
  return out;
}

void split_target(const std::string& target, std::string& path, std::string& query) {
  auto q = target.find('?');
  path = target.substr(0, q);
  query = q == std::string::npos ? "" : target.substr(q + 1);
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string safe_continue(const std::string& cont) {
  static const std::string fallback = "/prompts/new_chat";
  if (cont.empty()) return fallback;
  std::string path = cont;
  // Accept absolute URLs of 127.0.0.1 / localhost by keeping their path.
  for (const char* prefix : {"http://127.0.0.1", "http://localhost"}) {
    std::string p(prefix);
    if (cont.compare(0, p.size(), p) == 0) {
      auto slash = cont.find('/', p.size());
      path = slash == std::string::npos ? "/" : cont.substr(slash);
    }
  }
  // "//host" would leave the server.
  if (path.empty() || path[0] != '/' || (path.size() > 1 && path[1] == '/')) return fallback;
  return path;
}

}  // namespace camoufleet::sim
