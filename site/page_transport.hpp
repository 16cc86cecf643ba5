#pragma once
// What site/ needs from a browser protocol to drive one tab. The chat-page
// flow (site/chat_page.*) is written once against this; each protocol
// (browser/cdp/cdp_transport.*, a WebDriver BiDi one later) implements it.
//
// Every blocking call has a deadline and throws core::driver_error:
// timeout (no answer in time), browser_gone (the browser or its connection
// went away), site_error (the page refused: a script threw, a navigation
// failed, the page's context was replaced under the call).

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "browser/storage_state.hpp"
#include "core/chat.hpp"

namespace camoufleet::site {

// Something the page did, normalised: what a protocol reports about the
// page's requests, its main frame and its renderer, in one vocabulary.
struct page_event {
  enum class kind {
    request,           // a watched request was sent (never a CORS preflight)
    response,          // its response head arrived: status
    body,              // the next bytes of its body, in order: data
    finished,          // its body is complete
    failed,            // it failed: data = the browser's reason
    body_unavailable,  // its body cannot be followed: data = why
    navigated,         // the main frame navigated: data = the new URL
    crashed,           // the tab's renderer crashed
  };
  kind type = kind::request;
  std::string request_id;  // request .. body_unavailable
  int status = 0;          // response
  std::string data;
};

// Keeps a watch alive; destroying it ends the watch, and once the destructor
// returned its callback is not running and will not run again.
class page_watch {
 public:
  virtual ~page_watch() = default;
};

class page_transport {
 public:
  virtual ~page_transport() = default;

  // False once the browser or the connection to it is gone.
  virtual bool is_open() const = 0;
  // Turns on what the calls below rely on (page, script and network events).
  virtual void enable(std::chrono::milliseconds timeout) = 0;

  // Calls `function_source` (a JavaScript function expression, one of
  // site/scripts/ via site::script()) with `args` as its one argument, in the
  // page's main frame; returns its result as JSON (undefined -> null), a
  // Promise's once it settles (within timeout).
  virtual nlohmann::json call(const std::string& function_source, const nlohmann::json& args,
                              std::chrono::milliseconds timeout) = 0;

  // Calls function_source(args) in every new document of the tab before the
  // page's own scripts run. Returns an id for remove_init_script().
  virtual std::string add_init_script(const std::string& function_source,
                                      const nlohmann::json& args,
                                      std::chrono::milliseconds timeout) = 0;
  virtual void remove_init_script(const std::string& id, std::chrono::milliseconds timeout) = 0;

  // Navigates the main frame; returns once the browser committed to it.
  // site_error with the browser's reason when the URL cannot be loaded.
  virtual void navigate(const std::string& url, std::chrono::milliseconds timeout) = 0;
  virtual void reload(std::chrono::milliseconds timeout) = 0;

  // Cookies of the whole browser (a sign-in spans several domains). When
  // the browser refuses the list because of some cookies, set_cookies sets
  // the others and returns the names of those it refused.
  virtual std::vector<std::string> set_cookies(const std::vector<browser::stored_cookie>& cookies,
                                               std::chrono::milliseconds timeout) = 0;
  virtual std::vector<browser::stored_cookie> cookies(std::chrono::milliseconds timeout) = 0;

  // Trusted input into the focused element, as a user types: the text, then
  // one Enter key press.
  virtual void insert_text(const std::string& text, std::chrono::milliseconds timeout) = 0;
  virtual void press_enter(std::chrono::milliseconds timeout) = 0;

  // Gives the file input matched by `selector` (CSS, in the main frame) the
  // files at `paths` (absolute, readable by the browser), as a user picking
  // them would: the page gets its input/change events. CDP:
  // DOM.setFileInputFiles; BiDi: input.setFiles. site_error when no input
  // matches. A transport that cannot do it refuses with site_error (the
  // default), so a request with images fails clearly instead of losing them.
  virtual void set_files(const std::string& selector, const std::vector<std::string>& paths,
                         std::chrono::milliseconds timeout) {
    (void)selector;
    (void)paths;
    (void)timeout;
    throw core::driver_error(core::failure_kind::site_error,
                             "this browser transport cannot upload files yet");
  }

  // The tab as the user would see it, as PNG bytes (CDP
  // Page.captureScreenshot; BiDi browsingContext.captureScreenshot). Safe to
  // call from another thread while the tab is driven (it reads nothing the
  // driving thread changes).
  virtual std::string capture_png(std::chrono::milliseconds timeout) = 0;

  // Reports the page's requests whose URL contains url_part (request ..
  // body_unavailable, the body followed as it arrives), and every main-frame
  // navigation and renderer crash of the tab; an empty url_part reports only
  // the navigations and crashes. on_event runs on a transport thread, in
  // order, and must not block.
  virtual std::unique_ptr<page_watch> watch_answers(
      const std::string& url_part, std::function<void(const page_event&)> on_event) = 0;

  // The whole body of every finished request whose URL contains url_part:
  // on_body(body, "") or on_body(nullptr, why). Transport thread, no blocking.
  virtual std::unique_ptr<page_watch> watch_bodies(
      const std::string& url_part,
      std::function<void(const std::string* body, const std::string& error)> on_body) = 0;

  // A function `window[name](payload)` in every document of the tab (from
  // its start, before the page's scripts) through which page scripts post
  // strings back to the driver (a CDP binding, a BiDi channel).
  virtual void add_binding(const std::string& name, std::chrono::milliseconds timeout) = 0;
  // Every payload posted through the binding, on a transport thread, in
  // order; must not block.
  virtual std::unique_ptr<page_watch> watch_binding(
      const std::string& name, std::function<void(const std::string& payload)> on_payload) = 0;
};

}  // namespace camoufleet::site
