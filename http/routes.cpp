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
      {"/v1/models", endpoint::models, false},
      {"/health", endpoint::health, false},
      {"/v1/instances", endpoint::instances, false},
      {"/v1/queue", endpoint::queue, false},
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

  constexpr std::string_view cancel_prefix = "/v1/cancel/";
  if (path.substr(0, cancel_prefix.size()) == cancel_prefix) {
    const auto id = path.substr(cancel_prefix.size());
    if (!safe_id(id)) return with(endpoint::not_found);
    if (!post) return wrong_method("POST");
    return with(endpoint::cancel, std::string(id));
  }
  return with(endpoint::not_found);
}

}  // namespace camoufleet::http
