#include "http/input_items.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "http/response_store.hpp"

namespace camoufleet::http {

namespace {

using json = nlohmann::json;

request_error invalid(const std::string& name, const std::string& value, const std::string& why) {
  return {400, "Invalid value for '" + name + "': '" + value + "'. " + why, name};
}

// A whole number from 1 to 100, written plainly.
std::optional<int> read_limit(const std::string& text) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  const int n = std::atoi(text.c_str());
  if (n < 1 || n > 100) return std::nullopt;
  return n;
}

// For first_id / last_id.
json id_or_null(const json& item) {
  const auto* id = item_id_of(item);
  return id != nullptr ? json(*id) : json();
}

}  // namespace

items_page input_items_page(const json& items, const std::map<std::string, std::string>& query) {
  items_page page;
  int limit = 20;
  if (const auto it = query.find("limit"); it != query.end()) {
    const auto n = read_limit(it->second);
    if (!n) {
      page.error = invalid("limit", it->second, "Expected an integer from 1 to 100.");
      return page;
    }
    limit = *n;
  }
  bool newest_first = true;
  if (const auto it = query.find("order"); it != query.end()) {
    if (it->second != "asc" && it->second != "desc") {
      page.error = invalid("order", it->second, "Supported values are: 'asc' and 'desc'.");
      return page;
    }
    newest_first = it->second == "desc";
  }

  std::vector<const json*> ordered;
  if (items.is_array())
    for (const auto& item : items) ordered.push_back(&item);
  if (newest_first) std::reverse(ordered.begin(), ordered.end());

  std::size_t start = 0;
  if (const auto it = query.find("after"); it != query.end()) {
    std::size_t at = 0;
    while (at < ordered.size() && id_or_null(*ordered[at]) != it->second) ++at;
    if (at == ordered.size()) {
      page.error = invalid("after", it->second, "No input item of this response has that id.");
      return page;
    }
    start = at + 1;
  }

  json data = json::array();
  for (std::size_t i = start; i < ordered.size() && data.size() < static_cast<std::size_t>(limit);
       ++i)
    data.push_back(*ordered[i]);
  const bool has_more = start + data.size() < ordered.size();
  json body = {{"object", "list"},
               {"data", data},
               {"first_id", data.empty() ? json() : id_or_null(data.front())},
               {"last_id", data.empty() ? json() : id_or_null(data.back())},
               {"has_more", has_more}};
  page.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return page;
}

}  // namespace camoufleet::http
