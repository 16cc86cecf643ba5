#include "http/routes.hpp"

namespace camoufleet::http {

namespace {

route_match with(endpoint e, std::string request_id = {}) {
  route_match m;
  m.target = e;
  m.request_id = std::move(request_id);
  return m;
}

route_match wrong_method(const char* allow) {
  route_match m;
  m.target = endpoint::method_not_allowed;
  m.allow = allow;
  return m;
}

bool safe_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

const char* route_label(endpoint e) {
  switch (e) {
    case endpoint::chat_completions: return "/v1/chat/completions";
    case endpoint::text_completions:
      return "/v1/completions";
    case endpoint::responses:
      return "/v1/responses";
    case endpoint::response_get:
    case endpoint::response_delete:
      return "/v1/responses/{id}";
    case endpoint::response_input_items:
      return "/v1/responses/{id}/input_items";
    case endpoint::response_cancel:
      return "/v1/responses/{id}/cancel";
    case endpoint::models: return "/v1/models";
    case endpoint::model: return "/v1/models/{id}";
    case endpoint::health: return "/health";
    case endpoint::instances: return "/v1/instances";
    case endpoint::queue: return "/v1/queue";
    case endpoint::cancel: return "/v1/cancel/{id}";
    case endpoint::health_live: return "/health/live";
    case endpoint::health_ready: return "/health/ready";
    case endpoint::metrics: return "/metrics";
    case endpoint::dashboard: return "/";
    case endpoint::dashboard_asset: return "/dashboard/{file}";
    case endpoint::events: return "/v1/events";
    case endpoint::instance_restart: return "/v1/instances/{id}/restart";
    case endpoint::instance_pause: return "/v1/instances/{id}/pause";
    case endpoint::instance_resume: return "/v1/instances/{id}/resume";
    case endpoint::instance_screenshot: return "/v1/instances/{id}/screenshot";
    case endpoint::not_found:
    case endpoint::method_not_allowed: return "unmatched";
  }
  return "unmatched";
}

route_match match_route(std::string_view method, std::string_view path) {
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const bool get = method == "GET";
  const bool post = method == "POST";

  struct fixed {
    std::string_view path;
    endpoint target;
    bool is_post;
  };
  static const fixed table[] = {
      {"/v1/chat/completions", endpoint::chat_completions, true},
      {"/v1/completions", endpoint::text_completions, true},
      {"/v1/responses", endpoint::responses, true},
      {"/v1/models", endpoint::models, false},
      {"/health", endpoint::health, false},
      {"/v1/instances", endpoint::instances, false},
      {"/v1/queue", endpoint::queue, false},
      {"/health/live", endpoint::health_live, false},
      {"/health/ready", endpoint::health_ready, false},
      {"/metrics", endpoint::metrics, false},
      {"/", endpoint::dashboard, false},
      {"/v1/events", endpoint::events, false},
  };
  for (const auto& f : table) {
    if (path != f.path) continue;
    if (f.is_post ? post : get) return with(f.target);
    return wrong_method(f.is_post ? "POST" : "GET");
  }

  constexpr std::string_view model_prefix = "/v1/models/";
  if (path.substr(0, model_prefix.size()) == model_prefix) {
    auto id = path.substr(model_prefix.size());
    // Ids copied from the site may keep their "models/" prefix.
    if (id.substr(0, 7) == "models/") id.remove_prefix(7);
    if (!safe_id(id)) return with(endpoint::not_found);
    if (!get) return wrong_method("GET");
    route_match m = with(endpoint::model);
    m.model_id = std::string(id);
    return m;
  }

  constexpr std::string_view response_prefix = "/v1/responses/";
  if (path.substr(0, response_prefix.size()) == response_prefix) {
    auto id = path.substr(response_prefix.size());
    const auto ends_with = [&id](std::string_view suffix) {
      if (id.size() <= suffix.size() || id.substr(id.size() - suffix.size()) != suffix)
        return false;
      id.remove_suffix(suffix.size());
      return true;
    };
    if (ends_with("/input_items")) {
      if (!safe_id(id)) return with(endpoint::not_found);
      if (get) return with(endpoint::response_input_items, std::string(id));
      return wrong_method("GET");
    }
    if (ends_with("/cancel")) {
      if (!safe_id(id)) return with(endpoint::not_found);
      if (post) return with(endpoint::response_cancel, std::string(id));
      return wrong_method("POST");
    }
    if (!safe_id(id)) return with(endpoint::not_found);
    if (get) return with(endpoint::response_get, std::string(id));
    if (method == "DELETE") return with(endpoint::response_delete, std::string(id));
    return wrong_method("GET, DELETE");
  }

  constexpr std::string_view cancel_prefix = "/v1/cancel/";
  if (path.substr(0, cancel_prefix.size()) == cancel_prefix) {
    const auto id = path.substr(cancel_prefix.size());
    if (!safe_id(id)) return with(endpoint::not_found);
    if (!post) return wrong_method("POST");
    return with(endpoint::cancel, std::string(id));
  }

  constexpr std::string_view asset_prefix = "/dashboard/";
  if (path.substr(0, asset_prefix.size()) == asset_prefix) {
    const auto name = path.substr(asset_prefix.size());
    if (!safe_id(name)) return with(endpoint::not_found);
    if (!get) return wrong_method("GET");
    route_match m = with(endpoint::dashboard_asset);
    m.asset = std::string(name);
    return m;
  }

  // /v1/instances/{id}/{action}
  constexpr std::string_view instance_prefix = "/v1/instances/";
  if (path.substr(0, instance_prefix.size()) == instance_prefix) {
    const auto rest = path.substr(instance_prefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return with(endpoint::not_found);
    const auto id = rest.substr(0, slash);
    const auto action = rest.substr(slash + 1);
    if (!safe_id(id)) return with(endpoint::not_found);
    struct act {
      std::string_view name;
      endpoint target;
      bool is_post;
    };
    static const act actions[] = {
        {"restart", endpoint::instance_restart, true},
        {"pause", endpoint::instance_pause, true},
        {"resume", endpoint::instance_resume, true},
        {"screenshot", endpoint::instance_screenshot, false},
    };
    for (const auto& a : actions) {
      if (action != a.name) continue;
      if (!(a.is_post ? post : get)) return wrong_method(a.is_post ? "POST" : "GET");
      route_match m = with(a.target);
      m.instance_id = std::string(id);
      return m;
    }
  }
  return with(endpoint::not_found);
}

}  // namespace camoufleet::http
