// The pure decisions about warm spare browsers: eligibility, hand-over,
// refill and back-off (spare_ledger.hpp).
#include "actors/spare_ledger.hpp"

#include <algorithm>

namespace camoufleet {

bool spare_fits(const browser::session_options& instance, const browser::session_options& shelf) {
  return instance.ws_endpoint.empty() && shelf.ws_endpoint.empty() && instance.kind == shelf.kind &&
         instance.browser_path == shelf.browser_path && instance.fingerprint_file.empty();
}

bool may_take_spare(start_cause cause, bool fits) { return cause == start_cause::crash && fits; }

std::int64_t spare_ledger::backoff_ms() const {
  if (failures_ <= 0) return 0;
  const std::int64_t cap = timing_.backoff_max.count();
  std::int64_t delay = timing_.backoff_initial.count();
  for (int i = 1; i < failures_ && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

std::vector<std::uint64_t> spare_ledger::due(std::int64_t now_ms) {
  std::vector<std::uint64_t> out;
  if (stopped_ || now_ms < not_before_ms_) return out;
  holds_.erase(std::remove_if(holds_.begin(), holds_.end(),
                              [now_ms](const auto& h) { return h.second <= now_ms; }),
               holds_.end());
  while (static_cast<int>(slots_.size() + holds_.size()) < wanted_) {
    slots_.push_back({next_id_, false, 0, 0});
    out.push_back(next_id_++);
  }
  return out;
}

std::int64_t spare_ledger::next_due_ms() const {
  if (stopped_ || static_cast<int>(slots_.size()) >= wanted_) return 0;
  std::int64_t next = not_before_ms_;
  // Held refills come due when their hold ends, unless one is free already.
  if (static_cast<int>(slots_.size() + holds_.size()) >= wanted_) {
    std::int64_t earliest = 0;
    for (const auto& h : holds_) earliest = earliest == 0 ? h.second : std::min(earliest, h.second);
    next = std::max(next, earliest);
  }
  return next;
}

void spare_ledger::settled(std::uint64_t id) {
  holds_.erase(std::remove_if(holds_.begin(), holds_.end(), [id](const auto& h) { return h.first == id; }),
               holds_.end());
  taken_.erase(std::remove_if(taken_.begin(), taken_.end(), [id](const auto& t) { return t.first == id; }),
               taken_.end());
}

void spare_ledger::give_back(std::uint64_t id, std::int64_t now_ms) {
  auto it = std::find_if(taken_.begin(), taken_.end(), [id](const auto& t) { return t.first == id; });
  if (it == taken_.end()) return;
  const int pid = it->second;
  settled(id);
  slots_.push_back({id, true, pid, now_ms});
}

void spare_ledger::up(std::uint64_t id, int pid, std::int64_t now_ms) {
  for (auto& s : slots_) {
    if (s.id != id) continue;
    s.ready = true;
    s.pid = pid;
    s.since_ms = now_ms;
  }
}

void spare_ledger::down(std::uint64_t id, std::int64_t now_ms) {
  auto it = std::find_if(slots_.begin(), slots_.end(), [id](const slot& s) { return s.id == id; });
  if (it == slots_.end()) return;  // taken already: not the pool's any more
  // A spare that served as a spare for a long healthy spell is no streak.
  if (it->ready && now_ms - it->since_ms > timing_.backoff_max.count()) failures_ = 0;
  slots_.erase(it);
  ++failures_;
  not_before_ms_ = now_ms + backoff_ms();
}

std::optional<spare_view> spare_ledger::take(std::int64_t now_ms) {
  auto best = slots_.end();
  for (auto it = slots_.begin(); it != slots_.end(); ++it)
    if (it->ready && (best == slots_.end() || it->since_ms < best->since_ms)) best = it;
  if (best == slots_.end()) return std::nullopt;
  spare_view v{best->id, true, best->pid, ""};
  slots_.erase(best);
  failures_ = 0;
  not_before_ms_ = 0;
  if (hold_ms_ > 0) holds_.emplace_back(v.id, now_ms + hold_ms_);
  taken_.emplace_back(v.id, v.pid);
  return v;
}

std::vector<spare_view> spare_ledger::view() const {
  std::vector<spare_view> out;
  for (const auto& s : slots_) out.push_back({s.id, s.ready, s.pid, ""});
  return out;
}

}  // namespace camoufleet
