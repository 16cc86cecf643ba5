// browser::login_window for Chromium over CDP.
#include <map>
#include <mutex>

#include "browser/cdp/cdp_transport.hpp"
#include "browser/cdp/chromium_session.hpp"
#include "browser/cdp/connection.hpp"
#include "browser/cdp/cookies.hpp"
#include "browser/io_thread.hpp"
#include "browser/login_window.hpp"

namespace camoufleet::browser::cdp {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class chromium_login : public login_window {
 public:
  chromium_login(const browser_options& options, milliseconds connect_timeout) {
    try {
      browser_ = browser_process::launch(options);
      io_ = std::make_unique<io_thread>();
      conn_ = connection::connect(*io_, browser_->ws_endpoint(), connect_timeout);
      endpoint_ = browser_->ws_endpoint();
      pid_ = browser_->pid();
    } catch (...) {
      close();
      throw;
    }
  }
  ~chromium_login() override { close(); }

  std::string endpoint() const override { return endpoint_; }
  int pid() const override { return pid_; }
  bool alive() const override { return browser_ && browser_->running() && conn_ && conn_->is_open(); }

  void open(const std::string& url, milliseconds timeout) override {
    // Reuse the window's own first tab so the user sees one tab, not two.
    std::string target_id;
    for (const auto& t : tabs(timeout)) {
      target_id = t.id;
      break;
    }
    if (target_id.empty())
      target_id = conn_->call("Target.createTarget", {{"url", "about:blank"}}, "", timeout)
                      .value("targetId", std::string());
    json nav = conn_->call("Page.navigate", {{"url", url}}, session_of(target_id, timeout), timeout);
    if (nav.value("errorText", std::string()) != "")
      throw driver_error(failure_kind::site_error, nav.value("errorText", std::string()));
  }

  std::vector<tab_info> tabs(milliseconds timeout) override {
    std::vector<tab_info> out;
    json targets = conn_->call("Target.getTargets", json::object(), "", timeout);
    for (const auto& t : targets.value("targetInfos", json::array()))
      if (t.value("type", std::string()) == "page")
        out.push_back({t.value("targetId", std::string()), t.value("url", std::string())});
    return out;
  }

  json call(const std::string& tab_id, const std::string& function_source, const json& args,
            milliseconds timeout) override {
    cdp_transport tab(conn_, session_of(tab_id, timeout));
    return tab.call(function_source, args, timeout);
  }

  std::vector<stored_cookie> cookies(milliseconds timeout) override {
    json r = conn_->call("Storage.getCookies", json::object(), "", timeout);
    return from_cdp_cookies(r.value("cookies", json::array()));
  }

  void close() noexcept override {
    std::lock_guard<std::mutex> lock(close_mu_);
    shut_down_chromium(conn_, browser_, io_, milliseconds(5000), true);
  }

 private:
  // The flattened session of a tab, attached once.
  std::string session_of(const std::string& target_id, milliseconds timeout) {
    auto it = sessions_.find(target_id);
    if (it != sessions_.end()) return it->second;
    json a = conn_->call("Target.attachToTarget", {{"targetId", target_id}, {"flatten", true}}, "",
                         timeout);
    return sessions_.emplace(target_id, a.value("sessionId", std::string())).first->second;
  }

  std::mutex close_mu_;
  std::string endpoint_;
  int pid_ = 0;
  std::unique_ptr<browser_process> browser_;
  std::unique_ptr<io_thread> io_;
  std::shared_ptr<connection> conn_;
  std::map<std::string, std::string> sessions_;  // targetId -> sessionId
};

}  // namespace

std::unique_ptr<login_window> launch_login_window(const browser_options& options,
                                                  milliseconds connect_timeout) {
  return std::make_unique<chromium_login>(options, connect_timeout);
}

}  // namespace camoufleet::browser::cdp
