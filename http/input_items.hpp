#pragma once
// GET /v1/responses/{id}/input_items: a remembered response's own input
// items, one page at a time, in the list shape the openai SDK pages through
// (`{"object":"list","data":[...],"first_id","last_id","has_more"}`).
// Pure: the query's parameters in, the body or a 400 out.
//
// Parameters as OpenAI documents them: `limit` (1-100, 20 by default),
// `order` (`desc`, the default: the newest item first, or `asc`), `after`
// (an item id: the page starts after it, in that order). `include` is
// accepted and changes nothing (the items are kept whole). Others are
// ignored, as the API ignores them.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "http/chat_request.hpp"

namespace camoufleet::http {

struct items_page {
  std::optional<request_error> error;  // set: a 400 naming the parameter
  std::string body;                    // else the list
};

// items: the response's input items in the order they were sent, each
// with an id (name_input_items in responses_request.hpp).
items_page input_items_page(const nlohmann::json& items,
                            const std::map<std::string, std::string>& query);

}  // namespace camoufleet::http
