#include "http/log_gate.hpp"

#include <iterator>

namespace camoufleet::http {

namespace {
const std::string overflow_key = "\x01overflow";
}

log_gate::log_gate(std::chrono::milliseconds interval, std::size_t max_keys)
    : interval_(interval), max_keys_(max_keys < 1 ? 1 : max_keys) {}

std::optional<std::size_t> log_gate::admit(const std::string& key, clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    if (keys_.size() >= max_keys_) {
      for (auto k = keys_.begin(); k != keys_.end();)
        k = now - k->second.last_line >= interval_ ? keys_.erase(k) : std::next(k);
    }
    // Still full: new keys share one.
    const std::string& slot = keys_.size() < max_keys_ ? key : overflow_key;
    it = keys_.find(slot);
    if (it == keys_.end()) {
      keys_.emplace(slot, window{now, 0});
      return 0;
    }
  }
  if (now - it->second.last_line < interval_) {
    ++it->second.held;
    return std::nullopt;
  }
  const std::size_t held = it->second.held;
  it->second = window{now, 0};
  return held;
}

std::string log_gate::held_note(std::size_t held) const {
  if (held == 0) return {};
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(interval_).count();
  return " (" + std::to_string(held) + " more like it in the last " + std::to_string(seconds) +
         " s)";
}

}  // namespace camoufleet::http
