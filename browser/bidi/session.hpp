#pragma once
// One WebDriver BiDi session over one websocket to a Firefox/Camoufox
// (launched by firefox_process or already running). Every call blocks the
// calling thread (never the io thread) with a deadline and throws
// driver_error: timeout, browser_gone (socket dropped or closed: Firefox
// cannot reattach a session, so that is a dead browser), or bidi::error
// (site_error with the BiDi error code) when the browser refuses a command.
// script_error is thrown when page script threw.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "browser/bidi/codec.hpp"
#include "browser/channel.hpp"
#include "browser/io_thread.hpp"
#include "browser/storage_state.hpp"

namespace camoufleet::bidi {

using core::driver_error;
using core::failure_kind;

// Page script threw (or its promise rejected): the exception text.
class script_error : public core::driver_error {
 public:
  explicit script_error(const std::string& what) : core::driver_error(core::failure_kind::site_error, what) {}
};

class session {
 public:
  using ms = std::chrono::milliseconds;
  // (channel data as plain JSON, browsing context it came from)
  using message_handler = std::function<void(const nlohmann::json& data, const std::string& context)>;
  using gone_handler = std::function<void(const std::string& reason)>;

  // Connects to endpoint (ws://host:port or .../session), runs session.new
  // and subscribes to script.message. Throws driver_error.
  static std::unique_ptr<session> open(browser::io_thread& io, const std::string& endpoint, ms timeout);

  // Closes the websocket (the browser keeps running: see close_browser).
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Any BiDi command; returns its "result". tab: the top-level browsing
  // context the command waits on ("" = none): fail_tab() fails it at once.
  nlohmann::json command(const std::string& method, nlohmann::json params, ms timeout,
                         const std::string& tab = "");
  // The tab (a top-level browsing context) is gone (closed, or its content
  // process crashed) while the browser lives on: the commands waiting on it
  // fail now with browser_gone "<method>: <reason>", and so does every later
  // one sent with that tab, at once. Any thread; never blocks.
  void fail_tab(const std::string& context, const std::string& reason);
  // Non-blocking: done(result, "") or done(nullptr, why) once, on the io
  // thread (a BiDi error reply is a why). done must not block.
  using async_done = std::function<void(const nlohmann::json* result, const std::string& error)>;
  void command_async(const std::string& method, nlohmann::json params, ms timeout, async_done done);
  // session.subscribe to these events (contexts: only these top-level
  // contexts; empty = all). Returns the subscription's id ("" when the
  // browser gives none) for unsubscribe().
  std::string subscribe(const std::vector<std::string>& events, const std::vector<std::string>& contexts,
                        ms timeout);
  // session.unsubscribe by subscription id.
  void unsubscribe(const std::string& subscription, ms timeout);
  // Calls handler (io thread, must not block nor call command) with the
  // params of every event named method. Keep the subscription alive.
  browser::subscription on_event(const std::string& method, std::function<void(const nlohmann::json&)> handler);

  const std::string& id() const { return id_; }
  const nlohmann::json& capabilities() const { return capabilities_; }
  bool alive() const;
  // Called once, on the io thread, when the socket drops (not after a
  // close of ours). Immediately (io thread) if it already dropped.
  void on_gone(gone_handler handler);

  // The first top-level browsing context (browsingContext.getTree): the
  // initial tab, used instead of browsingContext.create (which hung on Camoufox).
  std::string initial_context(ms timeout);
  // browsingContext.navigate with wait "complete" (or "none": Firefox then
  // answers once the navigation committed, or failed); returns the final URL.
  std::string navigate(const std::string& context, const std::string& url, ms timeout,
                       const char* wait = "complete");
  // script.evaluate with awaitPromise; the result as plain JSON.
  nlohmann::json evaluate(const std::string& context, const std::string& expression, ms timeout);
  // script.callFunction(function_declaration, args as JSON), awaitPromise.
  nlohmann::json call_function(const std::string& context, const std::string& function_declaration,
                               const std::vector<nlohmann::json>& args, ms timeout);

  // script.addPreloadScript: function_declaration is called with one
  // argument, a send(value) function for `channel` ("" = no argument), in
  // every new document before the page's own scripts (contexts: limit to
  // these top-level contexts; empty = all). Returns the preload script id.
  std::string add_preload_script(const std::string& function_declaration, const std::string& channel,
                                 const std::vector<std::string>& contexts, ms timeout);
  void remove_preload_script(const std::string& script_id, ms timeout);
  // Calls handler (on the io thread; it must not block nor call commands)
  // for every script.message on channel. Keep the subscription alive.
  browser::subscription on_channel(const std::string& channel, message_handler handler);

  // storage.setCookie (a storageState cookie) into the partition of
  // source_origin ("https://aistudio.google.com"; "" = the default partition)
  // in user_context (browser.createUserContext's id; "" = the default one).
  void set_cookie(const browser::stored_cookie& c, const std::string& source_origin, ms timeout,
                  const std::string& user_context = "");
  // storage.getCookies of that partition, as storageState cookies.
  std::vector<browser::stored_cookie> get_cookies(const std::string& source_origin, ms timeout,
                                                  const std::string& user_context = "");

  // browsingContext.captureScreenshot: the PNG bytes.
  std::string screenshot(const std::string& context, ms timeout);
  // input.performActions: a left click at viewport (x, y), then releaseActions.
  void click(const std::string& context, int x, int y, ms timeout);

  // browser.close: the browser ends the session and exits. A socket that
  // drops as its answer counts as success.
  void close_browser(ms timeout);

 private:
  session() = default;
  nlohmann::json run_script(const std::string& method, nlohmann::json params, ms timeout,
                            const std::string& tab);
  std::shared_ptr<browser::channel> conn_;
  std::string id_;
  nlohmann::json capabilities_;
};

// Parts of a reply, pure (tested directly).
// script.evaluate / callFunction result -> plain JSON, or throws script_error.
nlohmann::json script_result(const nlohmann::json& result);
// BiDi cookie (storage.getCookies entry) <-> storageState cookie (sameSite
// "Strict"/"Lax"/"None" there, "strict"/"lax"/"none" in BiDi).
browser::stored_cookie cookie_from_bidi(const nlohmann::json& c);
nlohmann::json cookie_to_bidi(const browser::stored_cookie& c);
// {"type":"storageKey","sourceOrigin":...,"userContext":...} with the
// non-empty ones of the two; null when both are "" (the default partition).
nlohmann::json partition_for(const std::string& source_origin, const std::string& user_context = "");

// Standard base64 decode (screenshots); throws driver_error(site_error) on bad input.
std::string base64_decode(const std::string& text);

}  // namespace camoufleet::bidi
