#include "actors/routing.hpp"

#include <cctype>
#include <tuple>

namespace camoufleet::routing {

namespace {

// Splits "instance_10" into ("instance_", 10, true); ids without a trailing
// number compare as text only.
std::tuple<std::string, std::uint64_t, bool> split_id(const std::string& id) {
  auto pos = id.size();
  while (pos > 0 && std::isdigit(static_cast<unsigned char>(id[pos - 1])) != 0) --pos;
  if (pos == id.size() || id.size() - pos > 18) return {id, 0, false};
  return {id.substr(0, pos), std::stoull(id.substr(pos)), true};
}

}  // namespace

bool id_less(const std::string& a, const std::string& b) {
  auto [pa, na, ha] = split_id(a);
  auto [pb, nb, hb] = split_id(b);
  if (pa != pb) return pa < pb;
  if (ha != hb) return !ha;  // "instance_" before "instance_1"
  if (na != nb) return na < nb;
  return a < b;  // "instance_01" vs "instance_1": any stable order
}

std::optional<std::string> pick_lru(const std::vector<candidate>& candidates) {
  const candidate* best = nullptr;
  for (const auto& c : candidates) {
    if (!c.free || c.excluded) continue;
    if (best == nullptr || c.last_used < best->last_used ||
        (c.last_used == best->last_used && id_less(c.id, best->id))) {
      best = &c;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->id;
}

}  // namespace camoufleet::routing
