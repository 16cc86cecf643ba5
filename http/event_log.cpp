#include "http/event_log.hpp"

#include <cerrno>
#include <cstdlib>

namespace camoufleet::http {

void event_log::append(std::string_view sse_text) {
  // An event ends at its blank line; JSON payloads never hold a raw newline.
  while (!sse_text.empty()) {
    const auto end = sse_text.find("\n\n");
    const auto n = end == std::string_view::npos ? sse_text.size() : end + 2;
    const auto event = sse_text.substr(0, n);
    sse_text.remove_prefix(n);
    if (event.front() == ':' || event.find_first_not_of('\n') == std::string_view::npos) continue;
    events_.emplace_back(event);
    bytes_ += event.size();
  }
}

std::string event_log::after(long long starting_after) const {
  std::string out;
  const auto first =
      starting_after < 0 ? std::size_t{0} : static_cast<std::size_t>(starting_after) + 1;
  for (std::size_t i = first; i < events_.size(); ++i) out += events_[i];
  return out;
}

bool parse_starting_after(const std::string& text, long long& out) {
  if (text.empty() || text.size() > 18) return false;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size() || v < -1) return false;
  if (text.front() == '+' || text.front() == ' ') return false;
  out = v;
  return true;
}

}  // namespace camoufleet::http
