#include "config/dotenv.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "config/text.hpp"

namespace camoufleet::config {

namespace {

bool valid_key(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front()))) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// After a closing quote only a comment may follow.
bool only_comment_left(std::string_view rest) {
  rest = trim(rest);
  return rest.empty() || rest.front() == '#';
}

// Returns false (with why) when the quoted value is malformed.
bool parse_double_quoted(std::string_view v, std::string& out, std::string& why) {
  for (std::size_t i = 1; i < v.size(); ++i) {
    char c = v[i];
    if (c == '"') {
      if (!only_comment_left(v.substr(i + 1))) {
        why = "unexpected text after the closing quote";
        return false;
      }
      return true;
    }
    if (c == '\\' && i + 1 < v.size()) {
      char n = v[++i];
      switch (n) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        default: out += n; break;  // \" \\ and anything else: the char itself
      }
      continue;
    }
    out += c;
  }
  why = "missing closing double quote";
  return false;
}

}  // namespace

dotenv_result parse_dotenv(std::string_view text) {
  dotenv_result result;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);

    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, 7) == "export " || line.substr(0, 7) == "export\t") line = trim(line.substr(7));

    auto fail = [&](const std::string& why) {
      result.values.clear();
      result.error = "line " + std::to_string(line_no) + ": " + why;
      return result;
    };

    auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail("expected KEY=VALUE");
    std::string_view key = trim(line.substr(0, eq));
    if (!valid_key(key)) return fail("\"" + std::string(key) + "\" is not a valid name");

    std::string_view raw = trim(line.substr(eq + 1));
    std::string value;
    if (!raw.empty() && raw.front() == '"') {
      std::string why;
      if (!parse_double_quoted(raw, value, why)) return fail(why);
    } else if (!raw.empty() && raw.front() == '\'') {
      auto close = raw.find('\'', 1);
      if (close == std::string_view::npos) return fail("missing closing single quote");
      if (!only_comment_left(raw.substr(close + 1)))
        return fail("unexpected text after the closing quote");
      value = std::string(raw.substr(1, close - 1));
    } else {
      // `#` starts a comment only after whitespace, so URLs with fragments survive.
      for (std::size_t i = 1; i < raw.size(); ++i) {
        if (raw[i] == '#' && std::isspace(static_cast<unsigned char>(raw[i - 1]))) {
          raw = raw.substr(0, i);
          break;
        }
      }
      value = std::string(trim(raw));
    }
    result.values[std::string(key)] = std::move(value);
  }
  return result;
}

dotenv_result load_dotenv(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec)) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    dotenv_result r;
    r.error = "cannot read the file";
    return r;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_dotenv(buf.str());
}

}  // namespace camoufleet::config
