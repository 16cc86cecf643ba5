#include "site/json_scanner.hpp"

#include <cctype>

namespace camoufleet::site {
namespace {

constexpr std::string_view xssi_prefix = ")]}'";

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// JSON's number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
bool is_number(const std::string& s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !is_digit(s[i])) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size() || !is_digit(s[i])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !is_digit(s[i])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  return i == s.size();
}

bool is_literal_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.';
}

}  // namespace

void json_scanner::fail(const std::string& why) {
  failed_ = true;
  error_ = why + " (at byte " + std::to_string(offset_) + ")";
  throw json_scan_error(error_);
}

// A value starts where the enclosing container expects one.
void json_scanner::begin_value(char c) {
  if (done_) fail("data after the end of the document");
  if (stack_.empty()) {
    if (started_) fail("data after the end of the document");
    if (c != '[' && c != '{') fail("the body does not start with a JSON array or object");
    return;
  }
  auto& top = stack_.back();
  if (top.next != expect::value && top.next != expect::value_or_close) {
    if (top.next == expect::comma_or_close) fail("a missing comma");
    fail("a value where a key was expected");
  }
  top.next = expect::comma_or_close;
}

void json_scanner::end_value() {
  if (stack_.empty()) done_ = true;
}

void json_scanner::finish_literal() {
  if (literal_.empty()) return;
  if (literal_ != "true" && literal_ != "false" && literal_ != "null" && !is_number(literal_))
    fail("a bad literal '" + literal_.substr(0, 16) + "'");
  literal_.clear();
  end_value();
}

void json_scanner::close(char c, const on_close& cb) {
  if (stack_.empty()) fail("an unbalanced closing bracket");
  frame top = stack_.back();
  if ((c == ']') != (top.open == '[')) fail("a mismatched closing bracket");
  if (top.next == expect::key || (top.next == expect::value && top.open == '['))
    fail("a trailing comma");
  if (top.next == expect::colon || top.next == expect::value) fail("a key without a value");
  stack_.pop_back();
  const std::size_t end = offset_ + 1;  // exclusive
  bool consumed = false;
  if (top.start >= base_) {
    std::string_view text(buf_.data() + (top.start - base_), end - top.start);
    consumed = cb(stack_.size(), top.open, text);
  }
  if (consumed) {
    buf_.erase(0, end - base_);
    base_ = end;
  }
  end_value();
}

void json_scanner::step(char c, const on_close& cb) {
  if (in_string_) {
    if (unicode_left_ > 0) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) fail("a bad \\u escape");
      --unicode_left_;
    } else if (escape_) {
      escape_ = false;
      if (c == 'u') {
        unicode_left_ = 4;
      } else if (std::string_view("\"\\/bfnrt").find(c) == std::string_view::npos) {
        fail("a bad escape");
      }
    } else if (c == '\\') {
      escape_ = true;
    } else if (c == '"') {
      in_string_ = false;
      if (string_is_key_) {
        stack_.back().next = expect::colon;
      } else {
        end_value();
      }
    } else if (static_cast<unsigned char>(c) < 0x20) {
      fail("a control character inside a string");
    }
    return;
  }
  if (!literal_.empty() || (is_literal_char(c) && c != '+' && c != '.')) {
    if (is_literal_char(c)) {
      if (literal_.empty()) begin_value(c);
      if (literal_.size() > 64) fail("a literal too long");
      literal_.push_back(c);
      return;
    }
    finish_literal();
  }
  if (is_space(c)) return;
  switch (c) {
    case '"': {
      const bool key = !stack_.empty() && (stack_.back().next == expect::key ||
                                           stack_.back().next == expect::key_or_close);
      if (!key) begin_value(c);
      string_is_key_ = key;
      in_string_ = true;
      return;
    }
    case '[':
    case '{':
      begin_value(c);
      if (stack_.size() >= max_depth_) fail("nesting too deep");
      stack_.push_back({c, offset_, c == '[' ? expect::value_or_close : expect::key_or_close});
      started_ = true;
      return;
    case ']':
    case '}':
      close(c, cb);
      return;
    case ',': {
      if (stack_.empty() || stack_.back().next != expect::comma_or_close) fail("a stray comma");
      auto& top = stack_.back();
      top.next = top.open == '[' ? expect::value : expect::key;
      return;
    }
    case ':':
      if (stack_.empty() || stack_.back().next != expect::colon) fail("a stray colon");
      stack_.back().next = expect::value;
      return;
    default:
      fail(std::string("an unexpected character '") + c + "'");
  }
}

void json_scanner::feed(std::string_view bytes, const on_close& cb) {
  if (failed_) throw json_scan_error(error_);
  for (char c : bytes) {
    if (!started_ && stack_.empty() && literal_.empty() && !in_string_) {
      // Before the document: whitespace and Google's anti-hijacking prefix.
      if (xssi_ < xssi_prefix.size() && c == xssi_prefix[xssi_] && (xssi_ > 0 || c == ')')) {
        ++xssi_;
        ++offset_;
        continue;
      }
      if (xssi_ != 0 && xssi_ != xssi_prefix.size()) fail("a broken )]}' prefix");
      if (is_space(c)) {
        ++offset_;
        continue;
      }
    }
    if (done_ && is_space(c)) {
      ++offset_;
      continue;
    }
    if (started_ && !done_) buf_.push_back(c);
    if (!started_ && (c == '[' || c == '{')) {
      base_ = offset_;
      buf_.assign(1, c);
    }
    step(c, cb);
    ++offset_;
  }
}

}  // namespace camoufleet::site
