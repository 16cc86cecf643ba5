#include "config/key_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "config/text.hpp"

namespace camoufleet::config {

std::vector<core::api_key> parse_key_lines(std::string_view text) {
  std::vector<core::api_key> keys;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    // A bearer token has no whitespace: what follows the first is a name.
    const auto gap = line.find_first_of(" \t");
    const std::string key(line.substr(0, gap));
    const std::string name(gap == std::string_view::npos ? std::string_view{}
                                                         : trim(line.substr(gap)));
    const bool known = std::any_of(keys.begin(), keys.end(),
                                   [&key](const core::api_key& k) { return k.key == key; });
    if (!known) keys.emplace_back(key, name);
  }
  return keys;
}

key_file_result load_key_file(const std::string& path) {
  namespace fs = std::filesystem;
  key_file_result r;
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    r.error = "cannot read " + path + ": no such file";
    return r;
  }
  if (fs::is_directory(st)) {
    r.error = "cannot read " + path + ": it is a directory";
    return r;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    r.error = "cannot read " + path + ": permission denied";
    return r;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  r.keys = parse_key_lines(buf.str());
  // An empty key list means "no auth" to the server: refuse rather than
  // silently open the API because a file was truncated.
  if (r.keys.empty()) {
    r.error = path + " holds no keys (one key per line; remove the file or add a key)";
    return r;
  }
  auto p = st.permissions();
  r.shared = (p & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none;
  return r;
}

}  // namespace camoufleet::config
