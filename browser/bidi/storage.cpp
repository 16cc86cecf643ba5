#include "browser/bidi/storage.hpp"

#include <nlohmann/json.hpp>

#include "browser/deadline.hpp"

namespace camoufleet::bidi {

using nlohmann::json;

std::string local_storage_seed_script(const std::vector<browser::origin_storage>& origins) {
  json seed = json::object();
  for (const auto& o : origins) {
    json items = json::array();
    for (const auto& [name, value] : o.local_storage) items.push_back(json::array({name, value}));
    seed[o.origin] = std::move(items);
  }
  // ASCII-only JSON is a valid JS expression.
  return "() => {\n"
         "  const seed = " + seed.dump(-1, ' ', true, json::error_handler_t::replace) + ";\n"
         "  const items = seed[location.origin];\n"
         "  if (!items) return;\n"
         "  try { for (const [name, value] of items) localStorage.setItem(name, value); } catch (e) {}\n"
         "}";
}

std::string load_storage_state(session& s, const browser::storage_state& state, const std::string& site_origin,
                               const std::vector<std::string>& contexts, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& c : state.cookies) s.set_cookie(c, site_origin, browser::time_left(deadline));
  bool any_items = false;
  for (const auto& o : state.origins) any_items |= !o.local_storage.empty();
  if (!any_items) return {};
  return s.add_preload_script(local_storage_seed_script(state.origins), "", contexts, browser::time_left(deadline));
}

}  // namespace camoufleet::bidi
