#include "site/json_fence.hpp"

#include <utility>

namespace camoufleet::site {

namespace {

const std::string_view fence = "```";

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Whether `line` is a closing fence so far: a prefix of ``` or ``` and
// white space.
bool may_close(std::string_view line) {
  if (line.size() <= fence.size()) return fence.substr(0, line.size()) == line;
  return line.substr(0, fence.size()) == fence && blank(line.substr(fence.size()));
}

}  // namespace

std::string json_fence::feed(std::string_view chunk) {
  if (state_ == state::plain) return std::string(chunk);
  held_ += chunk;
  if (state_ == state::start) {
    const auto first = held_.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const std::string_view rest = std::string_view(held_).substr(first);
    if (rest.size() < fence.size() && fence.substr(0, rest.size()) == rest) return {};
    if (rest.substr(0, fence.size()) != fence) {
      state_ = state::plain;
      return std::exchange(held_, {});
    }
    const auto nl = held_.find('\n', first);
    if (nl == std::string::npos) return {};  // the fence's language is still coming
    held_.erase(0, nl + 1);
    state_ = state::opened;
    at_line_start_ = true;
  }
  // Opened: everything but the lines at the end that may be the closing
  // fence (and blank lines after it).
  std::size_t keep = held_.size();
  std::size_t nl = held_.rfind('\n');
  while (nl != std::string::npos && may_close(std::string_view(held_).substr(nl + 1))) {
    keep = nl;
    nl = nl == 0 ? std::string::npos : held_.rfind('\n', nl - 1);
  }
  // Right after the opening line the held text starts a line too.
  if (nl == std::string::npos && at_line_start_ && may_close(held_)) keep = 0;
  if (keep > 0) at_line_start_ = false;
  std::string out = held_.substr(0, keep);
  held_.erase(0, keep);
  return out;
}

std::string json_fence::finish() {
  std::string out = std::exchange(held_, {});
  if (state_ != state::opened) return out;
  // A whole closing fence (not a part of one) is dropped.
  const std::string_view last =
      std::string_view(out).substr(out.empty() || out[0] != '\n' ? 0 : 1);
  return last.size() >= fence.size() && may_close(last) ? std::string() : out;
}

std::string json_fence::strip(std::string_view text) {
  json_fence f;
  std::string out = f.feed(text);
  return out + f.finish();
}

}  // namespace camoufleet::site
