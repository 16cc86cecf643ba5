#pragma once
// site::page_transport over WebDriver BiDi: one top-level browsing context
// (the initial tab) of a bidi::session. script.callFunction for scripts,
// script.addPreloadScript for init scripts and bindings (a `channel`
// argument whose script.message events carry the payloads),
// browsingContext.navigate, storage.* for cookies, network.* and
// browsingContext.* events for watches, network.getData (a data collector)
// for whole bodies, input.performActions for trusted typing.
//
// BiDi cannot stream a response body: watch_answers reports a watched
// request's body as body_unavailable; a browser::session over this
// transport reads the answer through the page hook (site/answer_source).

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "browser/bidi/session.hpp"
#include "browser/bidi/tab_watch.hpp"
#include "site/page_transport.hpp"

namespace camoufleet::bidi {

class body_collector;

// What the tab's BiDi events mean to a page_transport watch: pure (tested
// without sockets). One mapper per watch; it remembers the watched requests.
class event_mapper {
 public:
  // context: the tab; url_part: requests to report ("" = none, only the
  // tab's navigations and its end).
  event_mapper(std::string context, std::string url_part);
  // The page_events one BiDi event (method, params) stands for, in order.
  std::vector<site::page_event> map(const std::string& method, const nlohmann::json& params);

 private:
  std::string context_;
  std::string url_part_;
  std::set<std::string> ids_;
};

// The events event_mapper understands (what enable() subscribes to).
const std::vector<std::string>& page_events();

// The request id of a network.* event ("" when it has none).
std::string request_id(const nlohmann::json& params);

// The URL of a network.* event's request when it belongs to context and
// contains url_part; nullopt otherwise (preflights excluded).
std::optional<std::string> watched_request(const nlohmann::json& params, const std::string& context,
                                           const std::string& url_part);

// network.getData's result ({bytes: {type: string|base64, value}}) as bytes.
std::string body_bytes(const nlohmann::json& get_data_result);

// input.performActions key actions typing text (one key per code point;
// invalid UTF-8 replaced), optionally followed by Enter.
nlohmann::json key_actions(const std::string& text, bool then_enter);

// A preload function declaration defining window[name](payload) that posts
// String(payload) through its one channel argument.
std::string binding_declaration(const std::string& name);

class bidi_transport : public site::page_transport {
 public:
  // s must outlive this object; context is a top-level browsing context of
  // it; cookie_origin the origin whose partition cookies go to ("" = default)
  // in user_context (the tab's user context; "" = the default one).
  // on_tab_gone: told "tab closed" or "tab crashed" (on the io thread, must
  // not block) when the tab goes while the browser lives on (tab_watch);
  // its calls fail at once from then on.
  bidi_transport(session& s, std::string context, std::string cookie_origin, std::string user_context = "",
                 std::function<void(const std::string& what)> on_tab_gone = {});
  ~bidi_transport() override;

  // For a session that outlives the tab (a shared browser): drops what
  // enable() and add_binding() left in it (the event subscription, the data
  // collector, the binding scripts). Best effort: never throws.
  void release(std::chrono::milliseconds timeout);

  bool is_open() const override;
  void enable(std::chrono::milliseconds timeout) override;
  nlohmann::json call(const std::string& function_source, const nlohmann::json& args,
                      std::chrono::milliseconds timeout) override;
  std::string add_init_script(const std::string& function_source, const nlohmann::json& args,
                              std::chrono::milliseconds timeout) override;
  void remove_init_script(const std::string& id, std::chrono::milliseconds timeout) override;
  void navigate(const std::string& url, std::chrono::milliseconds timeout) override;
  void reload(std::chrono::milliseconds timeout) override;
  std::vector<std::string> set_cookies(const std::vector<browser::stored_cookie>& cookies,
                                       std::chrono::milliseconds timeout) override;
  std::vector<browser::stored_cookie> cookies(std::chrono::milliseconds timeout) override;
  void insert_text(const std::string& text, std::chrono::milliseconds timeout) override;
  void press_enter(std::chrono::milliseconds timeout) override;
  std::string capture_png(std::chrono::milliseconds timeout) override;
  void set_files(const std::string& selector, const std::vector<std::string>& paths,
                 std::chrono::milliseconds timeout) override;
  std::unique_ptr<site::page_watch> watch_answers(
      const std::string& url_part, std::function<void(const site::page_event&)> on_event) override;
  std::unique_ptr<site::page_watch> watch_bodies(
      const std::string& url_part,
      std::function<void(const std::string* body, const std::string& error)> on_body) override;
  void add_binding(const std::string& name, std::chrono::milliseconds timeout) override;
  std::unique_ptr<site::page_watch> watch_binding(
      const std::string& name, std::function<void(const std::string& payload)> on_payload) override;

 private:
  session& s_;
  std::string context_;
  std::string cookie_origin_;
  std::string user_context_;
  std::string subscription_;  // enable()'s ("" = none)
  std::unique_ptr<body_collector> bodies_;  // whole bodies (network data collector)
  std::mutex mu_;
  std::map<std::string, std::string> bindings_;  // name -> preload script id
  std::unique_ptr<tab_watch> tab_watch_;
};

}  // namespace camoufleet::bidi
