#pragma once
// What POST /v1/responses remembers, so that a client may continue a
// conversation by `previous_response_id` or point at an earlier item with
// `item_reference` (the AI SDK does so by default) and read an answer back
// by GET /v1/responses/{id}. In memory only, bounded in bytes, oldest
// forgotten first; nothing survives a restart. No I/O; safe to share
// between threads (one mutex, held only while items are copied).
//
// A stored response keeps its own input items and output items and a link
// to the response it continued, so a long conversation is held once, not
// once per turn. Its size counts the whole conversation it needs, so the
// bound holds however the links are shared.

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

namespace camoufleet::http {

// An item's "id", or nullptr when it has none (input items need not).
const std::string* item_id_of(const nlohmann::json& item);

// What a /v1/responses request leaves to remember once it is answered.
struct response_record {
  bool store = false;    // the request's `store` (and the server keeps any)
  std::string previous;  // its previous_response_id ("" = none)
  nlohmann::json input = nlohmann::json::array();  // its own input items
};

class response_store {
 public:
  // max_bytes 0: nothing is kept.
  explicit response_store(std::size_t max_bytes);

  // The items a response continued from and added: every earlier turn's
  // input and output items, then its own (what `previous_response_id`
  // stands for). nullopt: never stored, forgotten, or deleted.
  std::optional<nlohmann::json> conversation(const std::string& response_id) const;
  // An output or input item by its id (`item_reference`).
  std::optional<nlohmann::json> item(const std::string& item_id) const;
  // A response's own input items, in the order they were sent (not the
  // turns it continued from).
  std::optional<nlohmann::json> input_items(const std::string& response_id) const;
  // The response object as it was answered (or, for a background
  // response, as it stands).
  std::optional<std::string> response(const std::string& response_id) const;
  // Its object's `status` ("completed", "queued", "cancelled", ...).
  std::optional<std::string> status(const std::string& response_id) const;

  // After an answer: `previous` its previous_response_id ("" = none),
  // `input` its own input items, `response_text` the response object (its
  // `output` items are kept as items). Too big to keep at all: not kept.
  // only_if_kept: only replace a response still kept (a background one
  // deleted or forgotten while it ran stays so). Whether it was kept.
  bool save(const std::string& response_id, const std::string& previous, nlohmann::json input,
            const std::string& response_text, bool only_if_kept = false);
  // A kept response's object replaced by one with no new items (a
  // background response's status: in progress, cancelled, failed). False:
  // not kept.
  bool refresh(const std::string& response_id, const std::string& response_text);
  bool remove(const std::string& response_id);

  std::size_t size() const;
  std::size_t bytes() const;
  bool enabled() const { return max_bytes_ > 0; }

  // Kept across a restart (--responses-store-file): every kept response
  // and the turns it needs, as one JSON document (turns parents first,
  // responses oldest first).
  std::string dump() const;
  // A dump() loaded into an empty store, oldest first, as save() would
  // (over a smaller bound, the oldest are forgotten). "" when loaded, else
  // why not, and nothing is kept.
  std::string load(const std::string& document);
  // Bumped by every change: whether there is anything new to write.
  std::uint64_t generation() const;

 private:
  struct node {
    std::shared_ptr<const node> parent;
    nlohmann::json items;  // this turn's input, then its output
    std::size_t input_count = 0;
    std::size_t conversation_bytes = 0;
  };
  struct entry {
    std::shared_ptr<const node> turn;
    std::string response_text;
    std::string status;  // response_text's
    std::size_t bytes = 0;
    std::list<std::string>::iterator age;
  };

  // What save() and load() both work out (response_store.cpp): a new
  // turn's conversation_bytes (its items', then its parent's), and the
  // `status` of a response object's text ("" when it has none).
  static void count_conversation(node& turn);
  static std::string status_in(const std::string& response_text);

  // Under mu_.
  void forget(std::unordered_map<std::string, entry>::iterator it);
  bool remove_locked(const std::string& response_id);

  // Under mu_: an entry kept as save() keeps it (the bound made room for).
  void keep(const std::string& response_id, std::shared_ptr<const node> turn,
            const std::string& response_text, std::string status);

  mutable std::mutex mu_;
  std::size_t max_bytes_;
  std::uint64_t generation_ = 0;
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, entry> entries_;
  std::list<std::string> oldest_first_;
  // item id -> the response that holds it
  std::unordered_map<std::string, std::string> item_owner_;
};

}  // namespace camoufleet::http
