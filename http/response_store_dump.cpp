// response_store kept across a restart: dump() and load() (the file is
// written and read by app/responses_file.cpp). The document:
//   {"camoufleet_responses": 1,
//    "turns": [{"parent": <index or -1>, "input_count": n, "items": [...]}, ...],
//    "responses": [{"id": "resp_...", "turn": <index>, "response": "<object text>"}, ...]}
// Turns come parents first and are shared as in memory (a conversation is
// written once, not once per turn); responses come oldest first.
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/response_store.hpp"

namespace camoufleet::http {

namespace {

using json = nlohmann::json;

constexpr int format_version = 1;

}  // namespace

std::uint64_t response_store::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

std::string response_store::dump() const {
  struct kept {
    std::string id;
    std::shared_ptr<const node> turn;
    std::string text;
  };
  std::vector<kept> responses;
  {
    // Turns never change once made: copied by pointer, written outside the lock.
    std::lock_guard<std::mutex> lock(mu_);
    responses.reserve(entries_.size());
    for (const auto& id : oldest_first_) {
      const auto& e = entries_.at(id);
      responses.push_back({id, e.turn, e.response_text});
    }
  }
  // Turns numbered first (parents before their children, each once), then
  // the document written as text, each turn's items dumped in place: no
  // second copy of the kept answers as JSON values.
  std::unordered_map<const node*, int> index;
  std::vector<const node*> turns;
  std::vector<int> turn_of;  // by response
  for (const auto& r : responses) {
    std::vector<const node*> chain;
    for (const node* n = r.turn.get(); n != nullptr && index.count(n) == 0; n = n->parent.get())
      chain.push_back(n);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      index.emplace(*it, static_cast<int>(turns.size()));
      turns.push_back(*it);
    }
    turn_of.push_back(index.at(r.turn.get()));
  }
  const auto text_of = [](const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  std::string out =
      R"({"camoufleet_responses":)" + std::to_string(format_version) + R"(,"turns":[)";
  for (std::size_t i = 0; i < turns.size(); ++i) {
    const node* t = turns[i];
    out += i == 0 ? "" : ",";
    out += R"({"parent":)" + std::to_string(t->parent ? index.at(t->parent.get()) : -1) +
           R"(,"input_count":)" + std::to_string(t->input_count) + R"(,"items":)";
    out += text_of(t->items);
    out += '}';
  }
  out += R"(],"responses":[)";
  for (std::size_t i = 0; i < responses.size(); ++i) {
    out += i == 0 ? "" : ",";
    out += R"({"id":)" + text_of(responses[i].id) + R"(,"turn":)" + std::to_string(turn_of[i]) +
           R"(,"response":)";
    out += text_of(responses[i].text);
    out += '}';
  }
  out += "]}";
  return out;
}

std::string response_store::load(const std::string& document) {
  const json doc = json::parse(document, nullptr, false);
  if (!doc.is_object()) return "not JSON";
  const auto version = doc.find("camoufleet_responses");
  if (version == doc.end() || !version->is_number_integer() || *version != format_version)
    return "not a camoufleet responses file of version " + std::to_string(format_version);
  if (!doc.contains("turns") || !doc.contains("responses") || !doc.at("turns").is_array() ||
      !doc.at("responses").is_array())
    return "'turns' or 'responses' is missing";
  const auto& turns = doc.at("turns");
  const auto& responses = doc.at("responses");
  // Every turn and response checked before any is kept.
  std::vector<std::shared_ptr<node>> made;
  made.reserve(turns.size());
  for (const auto& t : turns) {
    const auto where = "turn " + std::to_string(made.size());
    if (!t.is_object() || !t.contains("items") || !t.contains("parent") ||
        !t.contains("input_count") || !t.at("items").is_array() ||
        !t.at("parent").is_number_integer() || !t.at("input_count").is_number_unsigned())
      return where + " is malformed";
    const auto parent = t.at("parent").get<long long>();
    if (parent < -1 || parent >= static_cast<long long>(made.size()))
      return where + " names a parent not before it";
    auto n = std::make_shared<node>();
    if (parent >= 0) n->parent = made[static_cast<std::size_t>(parent)];
    n->items = t.at("items");
    n->input_count = t.at("input_count").get<std::size_t>();
    if (n->input_count > n->items.size()) return where + " has fewer items than inputs";
    count_conversation(*n);
    made.push_back(std::move(n));
  }
  struct kept {
    std::string id;
    std::shared_ptr<const node> turn;
    std::string text;
    std::string status;
  };
  std::vector<kept> list;
  for (const auto& r : responses) {
    const auto where = "response " + std::to_string(list.size());
    if (!r.is_object() || !r.contains("id") || !r.contains("turn") || !r.contains("response") ||
        !r.at("id").is_string() || !r.at("turn").is_number_unsigned() ||
        !r.at("response").is_string())
      return where + " is malformed";
    const auto turn = r.at("turn").get<std::size_t>();
    if (turn >= made.size()) return where + " names no turn";
    auto text = r.at("response").get<std::string>();
    auto status = status_in(text);
    list.push_back({r.at("id").get<std::string>(), made[turn], std::move(text), std::move(status)});
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!entries_.empty()) return "the store is not empty";
  for (auto& r : list) {
    if (max_bytes_ == 0 || r.turn->conversation_bytes + r.text.size() > max_bytes_) continue;
    remove_locked(r.id);  // named twice: the later one stands
    keep(r.id, std::move(r.turn), r.text, std::move(r.status));
  }
  return {};
}

}  // namespace camoufleet::http
