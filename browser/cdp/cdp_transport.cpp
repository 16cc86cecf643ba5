#include "browser/cdp/cdp_transport.hpp"

#include "core/base64.hpp"

#include <algorithm>
#include <mutex>
#include <set>
#include <stdexcept>

#include "browser/cdp/cookies.hpp"
#include "browser/cdp/watch.hpp"
#include "browser/deadline.hpp"

namespace camoufleet::browser::cdp {

using nlohmann::json;
using site::page_event;
using std::chrono::milliseconds;

namespace {

using event_callback = std::function<void(const page_event&)>;
using body_callback = std::function<void(const std::string*, const std::string&)>;


}  // namespace

std::string call_expression(const std::string& function_source, const json& args) {
  return "(" + function_source + ")(" +
         args.dump(-1, ' ', false, json::error_handler_t::replace) + ")";
}

cdp_transport::cdp_transport(std::shared_ptr<connection> conn, std::string session_id,
                             std::string browser_context_id,
                             std::function<void(const std::string& what)> on_tab_gone)
    : conn_(std::move(conn)),
      session_id_(std::move(session_id)),
      browser_context_id_(std::move(browser_context_id)) {
  if (session_id_.empty()) return;  // the browser itself: nothing to watch
  std::weak_ptr<connection> weak = conn_;
  auto gone = tab_gone_;
  auto watch = [weak, gone, sid = session_id_, told = std::move(on_tab_gone)](const char* what) {
    return [weak, gone, sid, told, what](const json& p, const std::string& s) {
      // targetCrashed comes on the session; detachedFromTarget names it.
      if (s != sid && p.value("sessionId", std::string()) != sid) return;
      gone->store(true);
      if (auto c = weak.lock()) c->fail_session(sid, what);
      if (told) told(what);
    };
  };
  tab_watch_.push_back(conn_->subscribe("Inspector.targetCrashed", watch("tab crashed")));
  tab_watch_.push_back(conn_->subscribe("Target.detachedFromTarget", watch("tab detached")));
}

bool cdp_transport::is_open() const {
  return conn_->is_open() && !tab_gone_->load();
}

json cdp_transport::command(const std::string& method, json params, milliseconds timeout) {
  return conn_->call(method, std::move(params), session_id_, std::max(timeout, milliseconds(1)));
}

heap_collection cdp_transport::collect_garbage(milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto used = [&] {
    return static_cast<std::int64_t>(
        command("Runtime.getHeapUsage", json::object(), time_left(deadline)).value("usedSize", 0.0));
  };
  heap_collection h;
  h.before_bytes = used();
  command("HeapProfiler.collectGarbage", json::object(), time_left(deadline));
  h.after_bytes = used();
  h.done = true;
  return h;
}

void cdp_transport::enable(milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  command("Page.enable", json::object(), time_left(deadline));
  command("Runtime.enable", json::object(), time_left(deadline));
  command("Network.enable", json::object(), time_left(deadline));
}

json cdp_transport::call(const std::string& function_source, const json& args,
                         milliseconds timeout) {
  json r = command("Runtime.evaluate",
                   {{"expression", call_expression(function_source, args)},
                    {"returnByValue", true},
                    {"awaitPromise", true}},
                   timeout);
  if (r.contains("exceptionDetails")) {
    const auto& ex = r["exceptionDetails"];
    std::string what = ex.value("text", "script error");
    if (ex.contains("exception") && ex["exception"].is_object())
      what = ex["exception"].value("description", what);
    throw driver_error(failure_kind::site_error, "page script failed: " + what);
  }
  if (!r.contains("result")) return nullptr;
  return r["result"].value("value", json());
}

std::string cdp_transport::add_init_script(const std::string& function_source, const json& args,
                                           milliseconds timeout) {
  json r = command("Page.addScriptToEvaluateOnNewDocument",
                   {{"source", call_expression(function_source, args)}}, timeout);
  return r.value("identifier", std::string());
}

void cdp_transport::remove_init_script(const std::string& id, milliseconds timeout) {
  command("Page.removeScriptToEvaluateOnNewDocument", {{"identifier", id}}, timeout);
}

void cdp_transport::navigate(const std::string& url, milliseconds timeout) {
  json nav = command("Page.navigate", {{"url", url}}, timeout);
  if (nav.contains("errorText") && !nav["errorText"].get<std::string>().empty())
    throw driver_error(failure_kind::site_error,
                       "cannot load " + url + ": " + nav["errorText"].get<std::string>());
}

void cdp_transport::reload(milliseconds timeout) {
  command("Page.reload", json::object(), timeout);
}

std::vector<std::string> cdp_transport::set_cookies(const std::vector<stored_cookie>& cookies,
                                                    milliseconds timeout) {
  try {
    command("Network.setCookies", {{"cookies", to_cdp_cookies(cookies)}}, timeout);
    return {};
  } catch (const driver_error& e) {
    if (e.kind() != failure_kind::site_error) throw;
  }
  // The browser refuses the whole list for one bad cookie (e.g. a __Secure-
  // name without the secure flag): set them one by one and skip those.
  std::vector<std::string> refused;
  for (const auto& c : cookies) {
    try {
      command("Network.setCookies", {{"cookies", to_cdp_cookies({c})}}, timeout);
    } catch (const driver_error& e) {
      if (e.kind() != failure_kind::site_error) throw;
      refused.push_back(c.name);
    }
  }
  return refused;
}

std::vector<stored_cookie> cdp_transport::cookies(milliseconds timeout) {
  json params = json::object();
  if (!browser_context_id_.empty()) params["browserContextId"] = browser_context_id_;
  json r = conn_->call("Storage.getCookies", params, "", timeout);
  return from_cdp_cookies(r.value("cookies", json::array()));
}

void cdp_transport::insert_text(const std::string& text, milliseconds timeout) {
  command("Input.insertText", {{"text", text}}, timeout);
}

void cdp_transport::press_enter(milliseconds timeout) {
  json key = {{"key", "Enter"},
              {"code", "Enter"},
              {"windowsVirtualKeyCode", 13},
              {"nativeVirtualKeyCode", 13}};
  json down = key;
  down["type"] = "keyDown";
  down["text"] = "\r";
  command("Input.dispatchKeyEvent", down, timeout);
  json up = key;
  up["type"] = "keyUp";
  command("Input.dispatchKeyEvent", up, timeout);
}

std::string cdp_transport::capture_png(milliseconds timeout) {
  json r = command("Page.captureScreenshot", {{"format", "png"}}, timeout);
  auto png = core::base64_decode(r.value("data", std::string()));
  if (!png || png->empty())
    throw driver_error(failure_kind::site_error, "Page.captureScreenshot: no image in the reply");
  return *png;
}

void cdp_transport::set_files(const std::string& selector, const std::vector<std::string>& paths,
                              milliseconds timeout) {
  // The element as a remote object (no DOM domain state needed), then the files.
  json r = command("Runtime.evaluate",
                   {{"expression", "document.querySelector(" + json(selector).dump() + ")"},
                    {"returnByValue", false}},
                   timeout);
  const std::string object_id = r.value("/result/objectId"_json_pointer, std::string());
  if (object_id.empty())
    throw driver_error(failure_kind::site_error, "no file input on the page for " + selector);
  try {
    command("DOM.setFileInputFiles", {{"files", paths}, {"objectId", object_id}}, timeout);
  } catch (...) {
    try {
      command("Runtime.releaseObject", {{"objectId", object_id}}, timeout);
    } catch (const driver_error&) {
    }
    throw;
  }
  command("Runtime.releaseObject", {{"objectId", object_id}}, timeout);
}

std::unique_ptr<site::page_watch> cdp_transport::watch_answers(const std::string& url_part,
                                                               event_callback on_event) {
  auto w = std::make_unique<subscription_watch<event_callback>>();
  auto emit = w->gate = std::make_shared<gated<event_callback>>(std::move(on_event));
  connection* conn = conn_.get();
  const std::string sid = session_id_;
  auto ids = std::make_shared<std::set<std::string>>();  // io thread only
  using kind = page_event::kind;
  w->subs.push_back(conn_->subscribe("Network.requestWillBeSent", [=](const json& p,
                                                                      const std::string& s) {
    if (s != sid || url_part.empty()) return;
    const std::string url = p.value("/request/url"_json_pointer, std::string());
    const std::string method = p.value("/request/method"_json_pointer, std::string());
    if (url.find(url_part) == std::string::npos || method == "OPTIONS") return;
    const std::string id = p.value("requestId", std::string());
    ids->insert(id);
    (*emit)(make_event(kind::request, id));
    // Bytes that arrived before this call come back in bufferedData; every
    // later Network.dataReceived carries its bytes in `data`.
    conn->call_async("Network.streamResourceContent", {{"requestId", id}}, sid,
                     std::chrono::seconds(10), [emit, id](const json* r, const std::string& err) {
                       if (!r) return (*emit)(make_event(kind::body_unavailable, id, err));
                       try {
                         (*emit)(make_event(kind::body, id,
                                      base64_decode(r->value("bufferedData", std::string()))));
                       } catch (const std::invalid_argument& e) {
                         (*emit)(make_event(kind::failed, id,
                                      std::string("undecodable stream data: ") + e.what()));
                       }
                     });
  }));
  auto mine = [=](const json& p, const std::string& s) {
    return s == sid && ids->count(p.value("requestId", std::string())) > 0;
  };
  w->subs.push_back(conn_->subscribe("Network.responseReceived", [=](const json& p,
                                                                     const std::string& s) {
    if (mine(p, s))
      (*emit)(make_event(kind::response, p.value("requestId", std::string()), {},
                   p.value("/response/status"_json_pointer, 0)));
  }));
  w->subs.push_back(
      conn_->subscribe("Network.dataReceived", [=](const json& p, const std::string& s) {
        auto data = p.find("data");
        if (!mine(p, s) || data == p.end() || !data->is_string()) return;
        const std::string id = p.value("requestId", std::string());
        try {
          (*emit)(make_event(kind::body, id, base64_decode(data->get<std::string>())));
        } catch (const std::invalid_argument& e) {
          (*emit)(make_event(kind::failed, id, std::string("undecodable stream data: ") + e.what()));
        }
      }));
  w->subs.push_back(
      conn_->subscribe("Network.loadingFinished", [=](const json& p, const std::string& s) {
        if (mine(p, s)) (*emit)(make_event(kind::finished, p.value("requestId", std::string())));
      }));
  w->subs.push_back(
      conn_->subscribe("Network.loadingFailed", [=](const json& p, const std::string& s) {
        if (mine(p, s))
          (*emit)(make_event(kind::failed, p.value("requestId", std::string()),
                       p.value("errorText", std::string())));
      }));
  w->subs.push_back(
      conn_->subscribe("Page.frameNavigated", [=](const json& p, const std::string& s) {
        if (s == sid && !p.contains("/frame/parentId"_json_pointer))
          (*emit)(make_event(kind::navigated, {}, p.value("/frame/url"_json_pointer, std::string())));
      }));
  w->subs.push_back(
      conn_->subscribe("Inspector.targetCrashed", [=](const json&, const std::string& s) {
        if (s == sid) (*emit)(make_event(kind::crashed, {}));
      }));
  return w;
}

std::unique_ptr<site::page_watch> cdp_transport::watch_bodies(const std::string& url_part,
                                                              body_callback on_body) {
  auto w = std::make_unique<subscription_watch<body_callback>>();
  auto deliver = w->gate = std::make_shared<gated<body_callback>>(std::move(on_body));
  connection* conn = conn_.get();
  const std::string sid = session_id_;
  auto ids = std::make_shared<std::set<std::string>>();  // io thread only
  w->subs.push_back(
      conn_->subscribe("Network.responseReceived", [=](const json& p, const std::string& s) {
        if (s != sid) return;
        const std::string url = p.value("/response/url"_json_pointer, std::string());
        if (url.find(url_part) != std::string::npos) ids->insert(p.value("requestId", std::string()));
      }));
  w->subs.push_back(
      conn_->subscribe("Network.loadingFinished", [=](const json& p, const std::string& s) {
        if (s != sid) return;
        auto id = p.value("requestId", std::string());
        if (!ids->erase(id)) return;
        conn->call_async("Network.getResponseBody", {{"requestId", id}}, sid,
                         std::chrono::seconds(10), [deliver](const json* r, const std::string& err) {
                           if (!r) return (*deliver)(nullptr, err);
                           try {
                             std::string body = r->value("body", std::string());
                             if (r->value("base64Encoded", false)) body = base64_decode(body);
                             (*deliver)(&body, std::string());
                           } catch (const std::exception& e) {
                             (*deliver)(nullptr, e.what());
                           }
                         });
      }));
  return w;
}

void cdp_transport::add_binding(const std::string& name, milliseconds timeout) {
  command("Runtime.addBinding", {{"name", name}}, timeout);
}

std::unique_ptr<site::page_watch> cdp_transport::watch_binding(
    const std::string& name, std::function<void(const std::string&)> on_payload) {
  using payload_callback = std::function<void(const std::string&)>;
  auto w = std::make_unique<subscription_watch<payload_callback>>();
  auto deliver = w->gate = std::make_shared<gated<payload_callback>>(std::move(on_payload));
  const std::string sid = session_id_;
  w->subs.push_back(
      conn_->subscribe("Runtime.bindingCalled", [=](const json& p, const std::string& s) {
        if (s == sid && p.value("name", std::string()) == name)
          (*deliver)(p.value("payload", std::string()));
      }));
  return w;
}

std::string base64_decode(const std::string& in) {
  auto out = core::base64_decode(in);
  if (!out) throw std::invalid_argument("base64: not valid base64");
  return std::move(*out);
}

}  // namespace camoufleet::browser::cdp
