#include "site/answer_source.hpp"

#include <nlohmann/json.hpp>

#include "site/page_scripts.hpp"

namespace camoufleet::site {
namespace {

using nlohmann::json;

// The binding the hook posts through; a name no page would choose.
constexpr const char* binding_name = "__camoufleet_answer";

class network : public answer_source {
 public:
  explicit network(page_transport& t) : t_(t) {}
  const char* name() const override { return "network"; }
  void install(std::chrono::milliseconds) override {}
  std::unique_ptr<page_watch> watch(const std::string& url_part,
                                    std::function<void(const page_event&)> on_event) override {
    return t_.watch_answers(url_part, std::move(on_event));
  }

 private:
  page_transport& t_;
};

class hook : public answer_source {
 public:
  hook(page_transport& t, std::string url_part) : t_(t), url_part_(std::move(url_part)) {}
  const char* name() const override { return "hook"; }
  void install(std::chrono::milliseconds timeout) override {
    t_.add_binding(binding_name, timeout);
    t_.add_init_script(script("answer_hook").source,
                       {{"binding", binding_name}, {"url_part", url_part_}}, timeout);
  }
  std::unique_ptr<page_watch> watch(const std::string&,
                                    std::function<void(const page_event&)> on_event) override {
    struct both : page_watch {
      std::unique_ptr<page_watch> page, messages;
    };
    auto w = std::make_unique<both>();
    // Navigations and crashes still come from the transport.
    w->page = t_.watch_answers("", on_event);
    w->messages = t_.watch_binding(binding_name, [on_event](const std::string& payload) {
      if (auto e = parse_hook_message(payload)) on_event(*e);
    });
    return w;
  }

 private:
  page_transport& t_;
  std::string url_part_;
};

}  // namespace

std::unique_ptr<answer_source> network_source(page_transport& transport) {
  return std::make_unique<network>(transport);
}

std::unique_ptr<answer_source> hook_source(page_transport& transport, const std::string& url_part) {
  return std::make_unique<hook>(transport, url_part);
}

std::optional<page_event> parse_hook_message(const std::string& payload) {
  json m = json::parse(payload, nullptr, false);
  if (!m.is_object() || !m.contains("id") || !m["id"].is_string() || !m.contains("kind") ||
      !m["kind"].is_string())
    return std::nullopt;
  using kind = page_event::kind;
  static const std::pair<const char*, kind> kinds[] = {
      {"request", kind::request},   {"response", kind::response},
      {"body", kind::body},         {"finished", kind::finished},
      {"failed", kind::failed},     {"body_unavailable", kind::body_unavailable}};
  page_event e;
  const std::string k = m["kind"].get<std::string>();
  bool known = false;
  for (const auto& [text, value] : kinds)
    if (k == text) {
      e.type = value;
      known = true;
    }
  if (!known) return std::nullopt;
  e.request_id = m["id"].get<std::string>();
  if (e.type == kind::response) {
    if (!m.contains("status") || !m["status"].is_number_integer()) return std::nullopt;
    e.status = m["status"].get<int>();
  }
  if (m.contains("data")) {
    if (!m["data"].is_string()) return std::nullopt;
    e.data = m["data"].get<std::string>();
  } else if (e.type == kind::body) {
    return std::nullopt;
  }
  return e;
}

}  // namespace camoufleet::site
