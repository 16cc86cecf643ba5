#pragma once
// Which endpoint a method + path names. Pure; the server dispatches on it.

#include <string>
#include <string_view>

namespace camoufleet::http {

enum class endpoint {
  chat_completions,    // POST /v1/chat/completions
  models,              // GET  /v1/models
  model,               // GET  /v1/models/{model_id}
  health,              // GET  /health
  instances,           // GET  /v1/instances
  queue,               // GET  /v1/queue
  cancel,              // POST /v1/cancel/{request_id}
  not_found,
  method_not_allowed,
};

struct route_match {
  endpoint target = endpoint::not_found;
  std::string request_id;  // for cancel
  std::string model_id;    // for model
  std::string allow;       // for method_not_allowed: the Allow header value
};

// `path` may carry a query string; it is ignored. A trailing slash is accepted.
route_match match_route(std::string_view method, std::string_view path);

}  // namespace camoufleet::http
