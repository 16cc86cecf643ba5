#include "actors/request_queue.hpp"

#include <algorithm>

namespace camoufleet {

request_queue::push_result request_queue::push(const std::string& id, std::int64_t now_ms) {
  if (contains(id)) return push_result::duplicate;
  if (entries_.size() >= limit_) return push_result::full;
  entries_.push_back({id, now_ms});
  return push_result::ok;
}

request_queue::push_result request_queue::push_front(const std::string& id,
                                                     std::int64_t now_ms) {
  if (contains(id)) return push_result::duplicate;
  entries_.push_front({id, now_ms});
  return push_result::ok;
}

std::optional<std::string> request_queue::pop() {
  if (entries_.empty()) return std::nullopt;
  auto id = std::move(entries_.front().id);
  entries_.pop_front();
  return id;
}

bool request_queue::remove(const std::string& id) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const entry& e) { return e.id == id; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

bool request_queue::contains(const std::string& id) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const entry& e) { return e.id == id; });
}

std::vector<std::string> request_queue::expire(std::int64_t now_ms, std::int64_t max_wait_ms) {
  // A failover entry at the front may be younger than the ones behind it, so
  // scan everything rather than stopping at the first young entry.
  std::vector<std::string> gone;
  auto keep = std::stable_partition(entries_.begin(), entries_.end(), [&](const entry& e) {
    return now_ms - e.since_ms < max_wait_ms;
  });
  for (auto it = keep; it != entries_.end(); ++it) gone.push_back(std::move(it->id));
  entries_.erase(keep, entries_.end());
  return gone;
}

std::optional<std::int64_t> request_queue::next_expiry(std::int64_t max_wait_ms) const {
  if (entries_.empty()) return std::nullopt;
  auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                 [](const entry& a, const entry& b) {
                                   return a.since_ms < b.since_ms;
                                 });
  return oldest->since_ms + max_wait_ms;
}

std::vector<queue_entry> request_queue::snapshot(std::int64_t now_ms) const {
  std::vector<queue_entry> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back({e.id, std::max<std::int64_t>(0, now_ms - e.since_ms)});
  return out;
}

}  // namespace camoufleet
