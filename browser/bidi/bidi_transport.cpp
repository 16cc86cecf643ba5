#include "browser/bidi/bidi_transport.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "browser/bidi/body_collector.hpp"
#include "browser/cdp/cdp_transport.hpp"
#include "browser/cdp/watch.hpp"
#include "browser/deadline.hpp"
#include "core/base64.hpp"

namespace camoufleet::bidi {

namespace cdp = ::camoufleet::browser::cdp;

using nlohmann::json;
using site::page_event;
using std::chrono::milliseconds;
using kind = page_event::kind;
using cdp::make_event;

namespace {
using event_callback = std::function<void(const page_event&)>;
using body_callback = std::function<void(const std::string*, const std::string&)>;
using payload_callback = std::function<void(const std::string&)>;

// Firefox evicts collected bodies past its own total cap; one body above
// this is not kept at all (a ListModels answer is a few hundred KiB).
constexpr int max_body_bytes = 16 * 1024 * 1024;

// Appends code point cp as UTF-8.
void put_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The code points of text, each as its own UTF-8 string; an invalid
// sequence becomes U+FFFD.
std::vector<std::string> code_points(const std::string& text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    unsigned cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    bool ok = n > 0 && i + n <= text.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      ok = (c & 0xC0) == 0x80;
      cp = (cp << 6) | (c & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    static const unsigned min_for[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= min_for[n] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    std::string one;
    put_utf8(one, ok ? cp : 0xFFFD);
    out.push_back(std::move(one));
    i += ok ? n : 1;
  }
  return out;
}

}  // namespace

// ---- pure parts -------------------------------------------------------------

const std::vector<std::string>& page_events() {
  static const std::vector<std::string> events = {
      "network.beforeRequestSent",          "network.responseStarted",
      "network.responseCompleted",          "network.fetchError",
      "browsingContext.navigationCommitted", "browsingContext.contextDestroyed"};
  return events;
}

std::string request_id(const json& params) {
  return params.value("/request/request"_json_pointer, std::string());
}

std::optional<std::string> watched_request(const json& params, const std::string& context,
                                           const std::string& url_part) {
  if (url_part.empty() || params.value("context", json()) != json(context)) return std::nullopt;
  const std::string url = params.value("/request/url"_json_pointer, std::string());
  const std::string method = params.value("/request/method"_json_pointer, std::string());
  if (url.find(url_part) == std::string::npos || method == "OPTIONS") return std::nullopt;
  return url;
}

event_mapper::event_mapper(std::string context, std::string url_part)
    : context_(std::move(context)), url_part_(std::move(url_part)) {}

std::vector<page_event> event_mapper::map(const std::string& method, const json& params) {
  if (!params.is_object()) return {};
  const std::string id = request_id(params);
  if (method == "network.beforeRequestSent") {
    if (!watched_request(params, context_, url_part_) || id.empty()) return {};
    // A redirect is the same request going on: report it once.
    if (!ids_.insert(id).second) return {};
    return {make_event(kind::request, id)};
  }
  if (method.rfind("network.", 0) == 0) {
    if (!ids_.count(id)) return {};
    if (method == "network.responseStarted")
      return {make_event(kind::response, id, {}, params.value("/response/status"_json_pointer, 0)),
              make_event(kind::body_unavailable, id, "WebDriver BiDi cannot stream a response body")};
    if (method == "network.responseCompleted") {
      const int status = params.value("/response/status"_json_pointer, 0);
      if (status >= 300 && status < 400) return {};  // a redirect: the request goes on
      ids_.erase(id);
      return {make_event(kind::finished, id)};
    }
    if (method == "network.fetchError") {
      ids_.erase(id);
      return {make_event(kind::failed, id, params.value("errorText", std::string()))};
    }
    return {};
  }
  if (params.value("context", std::string()) != context_) return {};
  if (method == "browsingContext.navigationCommitted") {
    const std::string url = params.value("url", std::string());
    // Firefox's crash page replacing the tab: a crash, not a navigation
    // (the page's loss, as tab_watch reports it).
    if (is_crash_page(url)) return {make_event(kind::crashed, {}, url)};
    return {make_event(kind::navigated, {}, url)};
  }
  // Our tab is gone (closed, or its browser is closing): nothing more will come.
  if (method == "browsingContext.contextDestroyed") return {make_event(kind::crashed, {})};
  return {};
}

std::string body_bytes(const json& result) {
  const json bytes = result.value("bytes", json::object());
  const std::string value = bytes.value("value", std::string());
  if (bytes.value("type", std::string()) == "base64") return base64_decode(value);
  return value;
}

json key_actions(const std::string& text, bool then_enter) {
  json steps = json::array();
  auto key = [&](const std::string& value) {
    steps.push_back({{"type", "keyDown"}, {"value", value}});
    steps.push_back({{"type", "keyUp"}, {"value", value}});
  };
  for (const auto& cp : code_points(text)) key(cp);
  if (then_enter) key("\xEE\x80\x87");  // U+E007, WebDriver's Enter
  return json::array({{{"type", "key"}, {"id", "keyboard"}, {"actions", std::move(steps)}}});
}

std::string binding_declaration(const std::string& name) {
  // The name as a JSON string literal is a JavaScript string literal too.
  return "(send) => { window[" + json(name).dump(-1, ' ', true, json::error_handler_t::replace) +
         "] = (payload) => send(String(payload)); }";
}

// ---- the transport ----------------------------------------------------------

bidi_transport::bidi_transport(session& s, std::string context, std::string cookie_origin,
                               std::string user_context, std::function<void(const std::string&)> on_tab_gone)
    : s_(s),
      context_(std::move(context)),
      cookie_origin_(std::move(cookie_origin)),
      user_context_(std::move(user_context)),
      bodies_(std::make_unique<body_collector>(s_, context_)),
      tab_watch_(std::make_unique<tab_watch>(s_, context_, std::move(on_tab_gone))) {}

bidi_transport::~bidi_transport() = default;

void bidi_transport::release(milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto best_effort = [&](const std::string& method, json params) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= milliseconds(0) || !s_.alive()) return;
    try {
      s_.command(method, std::move(params), left);
    } catch (const std::exception& e) {
      spdlog::debug("bidi: releasing the tab's {}: {}", method, e.what());
    }
  };
  std::map<std::string, std::string> bindings;
  {
    std::lock_guard<std::mutex> lock(mu_);
    bindings.swap(bindings_);
  }
  for (const auto& [name, id] : bindings) best_effort("script.removePreloadScript", {{"script", id}});
  bodies_->close(browser::time_left(deadline));
  if (!subscription_.empty())
    best_effort("session.unsubscribe", {{"subscriptions", json::array({subscription_})}});
  subscription_.clear();
}

bool bidi_transport::is_open() const { return s_.alive() && !tab_watch_->gone(); }

void bidi_transport::enable(milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> events = page_events();
  for (const auto& e : tab_events())
    if (std::find(events.begin(), events.end(), e) == events.end()) events.push_back(e);
  subscription_ = s_.subscribe(events, {context_}, browser::time_left(deadline));
  try {
    bodies_->open(max_body_bytes, browser::time_left(deadline));
  } catch (const error& e) {
    // An older Firefox: whole bodies cannot be read (watch_bodies says so).
    spdlog::warn("bidi: no network data collector ({}): response bodies cannot be read", e.what());
  }
}

json bidi_transport::call(const std::string& function_source, const json& args, milliseconds timeout) {
  return s_.call_function(context_, function_source, {args}, timeout);
}

std::string bidi_transport::add_init_script(const std::string& function_source, const json& args,
                                            milliseconds timeout) {
  return s_.add_preload_script("() => { " + cdp::call_expression(function_source, args) + "; }", "",
                               {context_}, timeout);
}

void bidi_transport::remove_init_script(const std::string& id, milliseconds timeout) {
  s_.remove_preload_script(id, timeout);
}

// wait "none": Firefox answers once the navigation committed (or failed,
// e.g. "Error: connectionFailure"), which is what page_transport promises.
void bidi_transport::navigate(const std::string& url, milliseconds timeout) {
  s_.navigate(context_, url, timeout, "none");
}

void bidi_transport::reload(milliseconds timeout) {
  s_.command("browsingContext.reload", {{"context", context_}, {"wait", "none"}}, timeout, context_);
}

std::vector<std::string> bidi_transport::set_cookies(const std::vector<browser::stored_cookie>& cookies,
                                                     milliseconds timeout) {
  // storage.setCookie takes one cookie: the refused ones are skipped by name.
  std::vector<std::string> refused;
  for (const auto& c : cookies) {
    try {
      s_.set_cookie(c, cookie_origin_, timeout, user_context_);
    } catch (const error&) {
      refused.push_back(c.name);
    }
  }
  return refused;
}

std::vector<browser::stored_cookie> bidi_transport::cookies(milliseconds timeout) {
  return s_.get_cookies(cookie_origin_, timeout, user_context_);
}

void bidi_transport::insert_text(const std::string& text, milliseconds timeout) {
  s_.command("input.performActions", {{"context", context_}, {"actions", key_actions(text, false)}}, timeout,
             context_);
}

void bidi_transport::press_enter(milliseconds timeout) {
  s_.command("input.performActions", {{"context", context_}, {"actions", key_actions("", true)}}, timeout,
             context_);
}

std::string bidi_transport::capture_png(milliseconds timeout) {
  json r = s_.command("browsingContext.captureScreenshot", {{"context", context_}}, timeout, context_);
  auto png = core::base64_decode(r.value("data", std::string()));
  if (!png || png->empty())
    throw core::driver_error(core::failure_kind::site_error,
                             "browsingContext.captureScreenshot: no image in the reply");
  return *png;
}

void bidi_transport::set_files(const std::string& selector, const std::vector<std::string>& paths,
                               milliseconds timeout) {
  // The element as a shared reference (a node's RemoteValue carries its
  // sharedId), then input.setFiles, which fires the page's input/change.
  json r = s_.command("script.evaluate",
                      {{"expression", "document.querySelector(" + json(selector).dump() + ")"},
                       {"target", {{"context", context_}}},
                       {"awaitPromise", false},
                       {"serializationOptions", {{"maxDomDepth", 0}}}},
                      timeout, context_);
  const std::string shared_id = r.value("/result/sharedId"_json_pointer, std::string());
  if (r.value("type", std::string()) != "success" || shared_id.empty())
    throw core::driver_error(core::failure_kind::site_error,
                             "no file input on the page for " + selector);
  s_.command("input.setFiles",
             {{"context", context_}, {"element", {{"sharedId", shared_id}}}, {"files", paths}},
             timeout, context_);
}

std::unique_ptr<site::page_watch> bidi_transport::watch_answers(const std::string& url_part,
                                                                event_callback on_event) {
  auto w = std::make_unique<cdp::subscription_watch<event_callback>>();
  auto emit = w->gate = std::make_shared<cdp::gated<event_callback>>(std::move(on_event));
  auto mapper = std::make_shared<event_mapper>(context_, url_part);  // io thread only
  for (const auto& method : page_events()) {
    w->subs.push_back(s_.on_event(method, [emit, mapper, method](const json& p) {
      for (const auto& e : mapper->map(method, p)) (*emit)(e);
    }));
  }
  return w;
}

std::unique_ptr<site::page_watch> bidi_transport::watch_bodies(const std::string& url_part,
                                                               body_callback on_body) {
  return bodies_->watch(url_part, std::move(on_body));
}

void bidi_transport::add_binding(const std::string& name, milliseconds timeout) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (bindings_.count(name)) return;
  }
  std::string id = s_.add_preload_script(binding_declaration(name), name, {context_}, timeout);
  std::lock_guard<std::mutex> lock(mu_);
  bindings_[name] = id;
}

std::unique_ptr<site::page_watch> bidi_transport::watch_binding(const std::string& name,
                                                                payload_callback on_payload) {
  auto w = std::make_unique<cdp::subscription_watch<payload_callback>>();
  auto deliver = w->gate = std::make_shared<cdp::gated<payload_callback>>(std::move(on_payload));
  const std::string context = context_;
  w->subs.push_back(s_.on_channel(name, [deliver, context](const json& data, const std::string& from) {
    if (from != context) return;
    (*deliver)(data.is_string() ? data.get<std::string>() : data.dump());
  }));
  return w;
}

}  // namespace camoufleet::bidi
