#include "http/response_store.hpp"

#include <utility>
#include <vector>

namespace camoufleet::http {

namespace {

using json = nlohmann::json;

std::size_t size_of(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace).size();
}

}  // namespace

const std::string* item_id_of(const json& item) {
  if (!item.is_object()) return nullptr;
  const auto it = item.find("id");
  return it != item.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

response_store::response_store(std::size_t max_bytes) : max_bytes_(max_bytes) {}

std::size_t response_store::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.size();
}

std::size_t response_store::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

std::optional<json> response_store::conversation(const std::string& response_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = entries_.find(response_id);
  if (it == entries_.end()) return std::nullopt;
  std::vector<const node*> turns;
  for (const node* n = it->second.turn.get(); n != nullptr; n = n->parent.get()) turns.push_back(n);
  json out = json::array();
  for (auto t = turns.rbegin(); t != turns.rend(); ++t)
    for (const auto& item : (*t)->items) out.push_back(item);
  return out;
}

std::optional<json> response_store::item(const std::string& item_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto owner = item_owner_.find(item_id);
  if (owner == item_owner_.end()) return std::nullopt;
  const auto it = entries_.find(owner->second);
  if (it == entries_.end()) return std::nullopt;
  for (const auto& item : it->second.turn->items)
    if (const auto* id = item_id_of(item); id != nullptr && *id == item_id) return item;
  return std::nullopt;
}

std::optional<json> response_store::input_items(const std::string& response_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = entries_.find(response_id);
  if (it == entries_.end()) return std::nullopt;
  const auto& turn = *it->second.turn;
  json out = json::array();
  for (std::size_t i = 0; i < turn.input_count; ++i) out.push_back(turn.items[i]);
  return out;
}

std::optional<std::string> response_store::response(const std::string& response_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = entries_.find(response_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second.response_text;
}

std::optional<std::string> response_store::status(const std::string& response_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = entries_.find(response_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second.status;
}

namespace {

std::string status_of(const json& object) {
  if (!object.is_object()) return {};
  const auto it = object.find("status");
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

void response_store::count_conversation(node& turn) {
  turn.conversation_bytes =
      size_of(turn.items) + (turn.parent ? turn.parent->conversation_bytes : 0);
}

std::string response_store::status_in(const std::string& response_text) {
  return status_of(json::parse(response_text, nullptr, false));
}

bool response_store::refresh(const std::string& response_id, const std::string& response_text) {
  const std::string status = status_in(response_text);
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = entries_.find(response_id);
  if (it == entries_.end()) return false;
  auto& e = it->second;
  // A status object is a few hundred bytes: the bound may be passed by that
  // much until the next save makes room.
  bytes_ = bytes_ - e.response_text.size() + response_text.size();
  e.bytes = e.bytes - e.response_text.size() + response_text.size();
  e.response_text = response_text;
  e.status = status;
  ++generation_;
  return true;
}

bool response_store::save(const std::string& response_id, const std::string& previous, json input,
                          const std::string& response_text, bool only_if_kept) {
  if (max_bytes_ == 0) return false;
  // Built outside the lock: parsing the answer and counting its bytes.
  const json object = json::parse(response_text, nullptr, false);
  std::lock_guard<std::mutex> lock(mu_);
  if (only_if_kept && entries_.count(response_id) == 0) return false;
  auto turn = std::make_shared<node>();
  if (!previous.empty()) {
    // Forgotten meanwhile: the answer was given, but cannot be continued.
    const auto parent = entries_.find(previous);
    if (parent == entries_.end()) {
      remove_locked(response_id);
      return false;
    }
    turn->parent = parent->second.turn;
  }
  turn->items = input.is_array() ? std::move(input) : json::array();
  turn->input_count = turn->items.size();
  if (object.is_object() && object.contains("output") && object["output"].is_array())
    for (const auto& item : object["output"]) turn->items.push_back(item);
  count_conversation(*turn);

  remove_locked(response_id);
  if (turn->conversation_bytes + response_text.size() > max_bytes_) return false;
  keep(response_id, std::move(turn), response_text, status_of(object));
  return true;
}

void response_store::keep(const std::string& response_id, std::shared_ptr<const node> turn,
                          const std::string& response_text, std::string status) {
  entry e;
  e.bytes = turn->conversation_bytes + response_text.size();
  while (bytes_ + e.bytes > max_bytes_ && !oldest_first_.empty())
    forget(entries_.find(oldest_first_.front()));
  for (const auto& item : turn->items)
    if (const auto* id = item_id_of(item)) item_owner_[*id] = response_id;
  e.turn = std::move(turn);
  e.response_text = response_text;
  e.status = std::move(status);
  e.age = oldest_first_.insert(oldest_first_.end(), response_id);
  bytes_ += e.bytes;
  ++generation_;
  entries_.emplace(response_id, std::move(e));
}

bool response_store::remove(const std::string& response_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return remove_locked(response_id);
}

bool response_store::remove_locked(const std::string& response_id) {
  const auto it = entries_.find(response_id);
  if (it == entries_.end()) return false;
  forget(it);
  return true;
}

void response_store::forget(std::unordered_map<std::string, entry>::iterator it) {
  const std::string id = it->first;
  for (const auto& item : it->second.turn->items) {
    const auto* item_id = item_id_of(item);
    if (item_id == nullptr) continue;
    const auto owner = item_owner_.find(*item_id);
    if (owner != item_owner_.end() && owner->second == id) item_owner_.erase(owner);
  }
  bytes_ -= it->second.bytes;
  oldest_first_.erase(it->second.age);
  entries_.erase(it);
  ++generation_;
}

}  // namespace camoufleet::http
