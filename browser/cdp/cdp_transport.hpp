#pragma once
// site::page_transport over CDP: one flattened target session on a browser
// connection. Runtime.evaluate for scripts, Page.* for navigation and init
// scripts, Network.* for cookies and for following the answer's body
// (Network.streamResourceContent), Input.* for trusted typing.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "browser/cdp/connection.hpp"
#include "browser/session.hpp"
#include "site/page_transport.hpp"

namespace camoufleet::browser::cdp {

class cdp_transport : public site::page_transport {
 public:
  // conn must stay open-able as long as this object; session_id is a
  // flattened target session of it. browser_context_id: the isolated
  // context the tab lives in ("" = the browser's default one), whose
  // cookies cookies() reads. on_tab_gone: told "tab crashed" or "tab
  // detached" (on the io thread, must not block) when the tab goes while the
  // browser lives on; its calls fail at once from then on.
  cdp_transport(std::shared_ptr<connection> conn, std::string session_id,
                std::string browser_context_id = "",
                std::function<void(const std::string& what)> on_tab_gone = {});

  bool is_open() const override;
  void enable(std::chrono::milliseconds timeout) override;
  nlohmann::json call(const std::string& function_source, const nlohmann::json& args,
                      std::chrono::milliseconds timeout) override;
  std::string add_init_script(const std::string& function_source, const nlohmann::json& args,
                              std::chrono::milliseconds timeout) override;
  void remove_init_script(const std::string& id, std::chrono::milliseconds timeout) override;
  void navigate(const std::string& url, std::chrono::milliseconds timeout) override;
  void reload(std::chrono::milliseconds timeout) override;
  std::vector<std::string> set_cookies(const std::vector<stored_cookie>& cookies,
                                       std::chrono::milliseconds timeout) override;
  std::vector<stored_cookie> cookies(std::chrono::milliseconds timeout) override;
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
  // The tab's JS heap in use, a full collection, the heap again.
  heap_collection collect_garbage(std::chrono::milliseconds timeout);
  std::unique_ptr<site::page_watch> watch_binding(
      const std::string& name, std::function<void(const std::string& payload)> on_payload) override;

 private:
  nlohmann::json command(const std::string& method, nlohmann::json params,
                         std::chrono::milliseconds timeout);

  std::shared_ptr<connection> conn_;
  std::string session_id_;
  std::string browser_context_id_;
  // Set (io thread) when the tab crashed or detached: is_open() is false and
  // every call fails at once (connection::fail_session) instead of waiting
  // out its timeout on a renderer that will never answer.
  std::shared_ptr<std::atomic<bool>> tab_gone_ = std::make_shared<std::atomic<bool>>(false);
  std::vector<subscription> tab_watch_;
};

// `(function_source)(args)` as one expression: args as JSON (invalid UTF-8
// replaced, so a user's text can never break the script).
std::string call_expression(const std::string& function_source, const nlohmann::json& args);

// Standard base64 (as CDP sends bodies); whitespace ignored; throws
// std::invalid_argument on anything else.
std::string base64_decode(const std::string& in);

}  // namespace camoufleet::browser::cdp
