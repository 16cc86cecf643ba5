#pragma once
// Requests waiting for a free instance. Pure: holds ids and enqueue times
// only (the balancer keeps the payloads); time comes in as arguments.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "actors/types.hpp"

namespace camoufleet {

class request_queue {
 public:
  enum class push_result { ok, full, duplicate };

  explicit request_queue(std::size_t limit) : limit_(limit) {}

  // Admits a new request at the back, unless the queue holds `limit` already.
  push_result push(const std::string& id, std::int64_t now_ms);
  // A request that was already admitted (failover) goes first and does not
  // count against the limit: refusing it now would punish an accepted client.
  push_result push_front(const std::string& id, std::int64_t now_ms);
  std::optional<std::string> pop();
  bool remove(const std::string& id);
  bool contains(const std::string& id) const;
  // Removes and returns (oldest first) every id that waited max_wait or more.
  std::vector<std::string> expire(std::int64_t now_ms, std::int64_t max_wait_ms);
  // When the oldest entry will expire; nullopt when empty.
  std::optional<std::int64_t> next_expiry(std::int64_t max_wait_ms) const;
  std::vector<queue_entry> snapshot(std::int64_t now_ms) const;

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::size_t limit() const { return limit_; }

 private:
  struct entry {
    std::string id;
    std::int64_t since_ms;
  };
  std::size_t limit_;
  std::deque<entry> entries_;
};

}  // namespace camoufleet
