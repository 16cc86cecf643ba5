#include "browser/bidi/session.hpp"

#include <cctype>

#include <boost/beast/core/detail/base64.hpp>
#include <spdlog/spdlog.h>

#include "browser/deadline.hpp"

namespace camoufleet::bidi {

using core::driver_error;
using core::failure_kind;
using nlohmann::json;

// --- pure helpers ---------------------------------------------------------------

json script_result(const json& result) {
  const std::string type = result.value("type", std::string());
  if (type == "success") return from_remote_value(result.value("result", json::object()));
  if (type == "exception") {
    const json details = result.value("exceptionDetails", json::object());
    std::string text = details.value("text", std::string());
    if (text.empty()) text = "page script threw";
    throw script_error("script: " + text);
  }
  throw driver_error(failure_kind::site_error, "script: unexpected result " + result.dump());
}

json partition_for(const std::string& source_origin, const std::string& user_context) {
  if (source_origin.empty() && user_context.empty()) return nullptr;
  json p = {{"type", "storageKey"}};
  if (!source_origin.empty()) p["sourceOrigin"] = source_origin;
  if (!user_context.empty()) p["userContext"] = user_context;
  return p;
}

namespace {
std::string lower(std::string text) {
  for (auto& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return text;
}
}  // namespace

json cookie_to_bidi(const browser::stored_cookie& c) {
  json j = {{"name", c.name},
            {"value", {{"type", "string"}, {"value", c.value}}},
            {"domain", c.domain},
            {"path", c.path.empty() ? "/" : c.path},
            {"httpOnly", c.http_only},
            {"secure", c.secure}};
  if (!c.same_site.empty()) j["sameSite"] = lower(c.same_site);
  if (c.expires >= 0) j["expiry"] = static_cast<std::int64_t>(c.expires);
  return j;
}

browser::stored_cookie cookie_from_bidi(const json& j) {
  browser::stored_cookie c;
  c.name = j.value("name", std::string());
  const json value = j.value("value", json::object());
  // Non-UTF-8 values come as base64 ("type":"base64"); keep the text as sent.
  c.value = value.value("value", std::string());
  c.domain = j.value("domain", std::string());
  c.path = j.value("path", std::string("/"));
  c.http_only = j.value("httpOnly", false);
  c.secure = j.value("secure", false);
  const std::string same_site = lower(j.value("sameSite", std::string()));
  if (same_site == "strict") c.same_site = "Strict";
  if (same_site == "lax") c.same_site = "Lax";
  if (same_site == "none") c.same_site = "None";
  if (auto e = j.find("expiry"); e != j.end() && e->is_number()) c.expires = e->get<double>();
  return c;
}

std::string base64_decode(const std::string& text) {
  namespace b64 = boost::beast::detail::base64;
  std::string out(b64::decoded_size(text.size()), '\0');
  auto [written, read] = b64::decode(out.data(), text.data(), text.size());
  // decode stops at the first character that is not base64 (or padding).
  std::size_t end = text.find_last_not_of('=');
  std::size_t body = end == std::string::npos ? 0 : end + 1;
  if (read < body || text.size() - body > 2) throw driver_error(failure_kind::site_error, "bad base64 data");
  out.resize(written);
  return out;
}

// --- session ---------------------------------------------------------------------

std::unique_ptr<session> session::open(browser::io_thread& io, const std::string& endpoint, ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_ptr<session> s(new session());
  s->conn_ = browser::channel::connect(io, session_url(endpoint), browser::time_left(deadline), bidi_framing());
  json created = s->command("session.new", {{"capabilities", json::object()}}, browser::time_left(deadline));
  s->id_ = created.value("sessionId", std::string());
  s->capabilities_ = created.value("capabilities", json::object());
  s->command("session.subscribe", {{"events", json::array({"script.message"})}}, browser::time_left(deadline));
  spdlog::info("bidi session {} on {} ({} {})", s->id_, endpoint, s->capabilities_.value("browserName", "?"),
               s->capabilities_.value("browserVersion", "?"));
  return s;
}

session::~session() {
  if (conn_) conn_->close();
}

// BiDi has no target sessions: the tab's context id is the channel's session
// key (the framing ignores it on the wire), so the channel can fail its calls.
json session::command(const std::string& method, json params, ms timeout, const std::string& tab) {
  json frame = conn_->call(method, std::move(params), tab, timeout);
  return result_or_throw(method, frame);
}

void session::fail_tab(const std::string& context, const std::string& reason) {
  conn_->fail_session(context, reason);
}

void session::command_async(const std::string& method, json params, ms timeout, async_done done) {
  conn_->call_async(method, std::move(params), "", std::max(timeout, ms(1)),
                    [method, done = std::move(done)](const json* frame, const std::string& err) {
                      if (!frame) return done(nullptr, err);
                      json result;
                      try {
                        result = result_or_throw(method, *frame);
                      } catch (const driver_error& e) {
                        return done(nullptr, e.what());
                      }
                      done(&result, std::string());
                    });
}

std::string session::subscribe(const std::vector<std::string>& events, const std::vector<std::string>& contexts,
                               ms timeout) {
  json params = {{"events", events}};
  if (!contexts.empty()) params["contexts"] = contexts;
  json r = command("session.subscribe", std::move(params), timeout);
  return r.value("subscription", std::string());
}

void session::unsubscribe(const std::string& subscription, ms timeout) {
  command("session.unsubscribe", {{"subscriptions", json::array({subscription})}}, timeout);
}

browser::subscription session::on_event(const std::string& method, std::function<void(const json&)> handler) {
  return conn_->subscribe(method, [handler = std::move(handler)](const json& params, const std::string&) {
    handler(params);
  });
}

bool session::alive() const { return conn_ && conn_->is_open(); }

void session::on_gone(gone_handler handler) { conn_->on_close(std::move(handler)); }

std::string session::initial_context(ms timeout) {
  json tree = command("browsingContext.getTree", {{"maxDepth", 0}}, timeout);
  for (const auto& ctx : tree.value("contexts", json::array())) {
    if (ctx.value("parent", json()).is_null() && ctx.contains("context")) return ctx["context"].get<std::string>();
  }
  throw driver_error(failure_kind::browser_gone, "browsingContext.getTree: the browser has no tab");
}

std::string session::navigate(const std::string& context, const std::string& url, ms timeout, const char* wait) {
  json r = command("browsingContext.navigate", {{"context", context}, {"url", url}, {"wait", wait}}, timeout,
                   context);
  return r.value("url", url);
}

namespace {
// What script.evaluate and script.callFunction share: the tab, awaited
// promises, no handles kept, deep enough serialization for JSON answers.
json script_params(const std::string& context) {
  return {{"target", {{"context", context}}},
          {"awaitPromise", true},
          {"resultOwnership", "none"},
          {"serializationOptions", {{"maxObjectDepth", 32}}}};
}
}  // namespace

// script.evaluate / callFunction: firefox-esr 153 answers some page
// exceptions (an Error rejected from a promise) with "unknown error: Missing
// stack, unable to build exceptionDetails": still the page's exception.
json session::run_script(const std::string& method, json params, ms timeout, const std::string& tab) {
  json result;
  try {
    result = command(method, std::move(params), timeout, tab);
  } catch (const error& e) {
    if (e.code() == "unknown error" && std::string(e.what()).find("exceptionDetails") != std::string::npos)
      throw script_error(std::string("script: ") + e.what());
    throw;
  }
  return script_result(result);
}

json session::evaluate(const std::string& context, const std::string& expression, ms timeout) {
  json params = script_params(context);
  params["expression"] = expression;
  return run_script("script.evaluate", std::move(params), timeout, context);
}

json session::call_function(const std::string& context, const std::string& function_declaration,
                            const std::vector<json>& args, ms timeout) {
  json params = script_params(context);
  params["functionDeclaration"] = function_declaration;
  params["arguments"] = json::array();
  for (const auto& a : args) params["arguments"].push_back(to_local_value(a));
  return run_script("script.callFunction", std::move(params), timeout, context);
}

std::string session::add_preload_script(const std::string& function_declaration, const std::string& channel,
                                        const std::vector<std::string>& contexts, ms timeout) {
  json channel_value = {{"channel", channel}, {"serializationOptions", {{"maxObjectDepth", 32}}}};
  json channel_arg = {{"type", "channel"}, {"value", std::move(channel_value)}};
  json params = {{"functionDeclaration", function_declaration}};
  if (!channel.empty()) params["arguments"] = json::array({std::move(channel_arg)});
  if (!contexts.empty()) params["contexts"] = contexts;
  json r = command("script.addPreloadScript", std::move(params), timeout);
  return r.value("script", std::string());
}

void session::remove_preload_script(const std::string& script_id, ms timeout) {
  command("script.removePreloadScript", {{"script", script_id}}, timeout);
}

browser::subscription session::on_channel(const std::string& channel, message_handler handler) {
  return conn_->subscribe("script.message", [channel, handler = std::move(handler)](const json& params,
                                                                                   const std::string&) {
    if (params.value("channel", std::string()) != channel) return;
    const json source = params.value("source", json::object());
    handler(from_remote_value(params.value("data", json::object())), source.value("context", std::string()));
  });
}

void session::set_cookie(const browser::stored_cookie& c, const std::string& source_origin, ms timeout,
                         const std::string& user_context) {
  json params = {{"cookie", cookie_to_bidi(c)}};
  json partition = partition_for(source_origin, user_context);
  if (!partition.is_null()) params["partition"] = std::move(partition);
  command("storage.setCookie", std::move(params), timeout);
}

std::vector<browser::stored_cookie> session::get_cookies(const std::string& source_origin, ms timeout,
                                                         const std::string& user_context) {
  json params = json::object();
  json partition = partition_for(source_origin, user_context);
  if (!partition.is_null()) params["partition"] = std::move(partition);
  json r = command("storage.getCookies", std::move(params), timeout);
  std::vector<browser::stored_cookie> out;
  for (const auto& c : r.value("cookies", json::array())) out.push_back(cookie_from_bidi(c));
  return out;
}

std::string session::screenshot(const std::string& context, ms timeout) {
  json r = command("browsingContext.captureScreenshot", {{"context", context}}, timeout, context);
  return base64_decode(r.value("data", std::string()));
}

void session::click(const std::string& context, int x, int y, ms timeout) {
  json steps = json::array();
  steps.push_back({{"type", "pointerMove"}, {"x", x}, {"y", y}});
  steps.push_back({{"type", "pointerDown"}, {"button", 0}});
  steps.push_back({{"type", "pointerUp"}, {"button", 0}});
  json mouse = {{"type", "pointer"},
                {"id", "mouse"},
                {"parameters", {{"pointerType", "mouse"}}},
                {"actions", std::move(steps)}};
  json actions = json::array();
  actions.push_back(std::move(mouse));
  command("input.performActions", {{"context", context}, {"actions", std::move(actions)}}, timeout, context);
  command("input.releaseActions", {{"context", context}}, timeout, context);
}

void session::close_browser(ms timeout) {
  try {
    command("browser.close", json::object(), timeout);
  } catch (const driver_error& e) {
    // The browser may drop the socket instead of answering: it is closing.
    if (e.kind() != failure_kind::browser_gone) throw;
  }
}

}  // namespace camoufleet::bidi
