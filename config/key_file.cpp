#include "config/key_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "config/text.hpp"

namespace camoufleet::config {

namespace {

std::string_view next_word(std::string_view& rest) {
  rest = trim(rest);
  const auto gap = rest.find_first_of(" \t");
  const std::string_view word = rest.substr(0, gap);
  rest = gap == std::string_view::npos ? std::string_view{} : rest.substr(gap);
  return word;
}

// "max_open=N" on key line `line` into max_open; an error text, or "".
std::string apply_option(std::string_view word, int line, int& max_open) {
  const auto eq = word.find('=');
  const std::string option(word.substr(0, eq));
  const std::string value(word.substr(eq + 1));
  const std::string where = "line " + std::to_string(line) + ": ";
  if (option != "max_open") {
    return where + "unknown option " + in_quotes(one_line(option)) +
           " (a key line is: KEY [NAME] [max_open=N])";
  }
  long long n = 0;
  if (parse_integer(value, n) != int_status::ok || n < 0 || n > 10000) {
    return where + "max_open must be a whole number from 0 (no limit) to 10000, not " +
           in_quotes(one_line(value));
  }
  max_open = static_cast<int>(n);
  return {};
}

}  // namespace

parsed_keys parse_key_lines(std::string_view text) {
  parsed_keys r;
  std::map<std::string, std::pair<int, int>> limit_of;  // name -> (max_open, line)
  for (int line_no = 1; !text.empty(); ++line_no) {
    auto nl = text.find('\n');
    std::string_view rest = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (rest.empty() || rest.front() == '#') continue;
    // A bearer token has no whitespace: the words after it are its name,
    // and its options (the words with a '=').
    std::string key(next_word(rest));
    std::string name;
    int max_open = -1;
    for (auto word = next_word(rest); !word.empty(); word = next_word(rest)) {
      if (word.find('=') != std::string_view::npos) {
        if (auto e = apply_option(word, line_no, max_open); !e.empty()) return {{}, e};
      } else {
        name += (name.empty() ? "" : " ") + std::string(word);
      }
    }
    core::api_key k(std::move(key), std::move(name));
    k.max_open = max_open;
    const bool known = std::any_of(r.keys.begin(), r.keys.end(),
                                   [&k](const core::api_key& o) { return o.key == k.key; });
    if (known) continue;
    // Keys that share a name share its count of open requests: one limit.
    const auto [it, fresh] = limit_of.emplace(k.name, std::make_pair(k.max_open, line_no));
    if (!fresh && it->second.first != k.max_open) {
      return {{},
              "line " + std::to_string(line_no) + ": " + in_quotes(k.name) +
                  " has another max_open on line " + std::to_string(it->second.second) +
                  "; the keys of one name share one limit"};
    }
    r.keys.push_back(std::move(k));
  }
  return r;
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
  auto parsed = parse_key_lines(buf.str());
  if (!parsed.error.empty()) {
    r.error = path + ", " + parsed.error;
    return r;
  }
  r.keys = std::move(parsed.keys);
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
