#pragma once
// Which endpoint a method + path names. Pure; the server dispatches on it.

#include <string>
#include <string_view>

namespace camoufleet::http {

enum class endpoint {
  chat_completions,      // POST /v1/chat/completions
  text_completions,      // POST /v1/completions (the legacy text completions)
  responses,             // POST /v1/responses (OpenAI's Responses API)
  response_get,          // GET    /v1/responses/{id} (a remembered answer)
  response_delete,       // DELETE /v1/responses/{id}
  response_cancel,       // POST   /v1/responses/{id}/cancel (a background response)
  response_input_items,  // GET    /v1/responses/{id}/input_items
  models,                // GET  /v1/models
  model,                 // GET  /v1/models/{model_id}
  health,                // GET  /health
  instances,             // GET  /v1/instances
  queue,                 // GET  /v1/queue
  cancel,                // POST /v1/cancel/{request_id}
  health_live,           // GET  /health/live
  health_ready,          // GET  /health/ready
  metrics,               // GET  /metrics (Prometheus text format)
  dashboard,             // GET  / (the dashboard page)
  dashboard_asset,       // GET  /dashboard/{file}
  events,                // GET  /v1/events (SSE: the dashboard's live state)
  instance_restart,      // POST /v1/instances/{id}/restart
  instance_pause,        // POST /v1/instances/{id}/pause  (out of rotation)
  instance_resume,       // POST /v1/instances/{id}/resume (back into rotation)
  instance_screenshot,   // GET  /v1/instances/{id}/screenshot (image/png of its page)
  not_found,
  method_not_allowed,
};

struct route_match {
  endpoint target = endpoint::not_found;
  std::string request_id;  // for cancel and the /v1/responses/{id} routes
  std::string model_id;    // for model
  std::string instance_id; // for instance_*
  std::string asset;       // for dashboard_asset: the file name
  std::string allow;       // for method_not_allowed: the Allow header value
};

// The route's name for metrics labels: its path pattern ("/v1/models/{id}"),
// "unmatched" for not_found / method_not_allowed.
const char* route_label(endpoint e);

// `path` may carry a query string; it is ignored. A trailing slash is accepted.
route_match match_route(std::string_view method, std::string_view path);

}  // namespace camoufleet::http
