// browser::login_window for Firefox and Camoufox over WebDriver BiDi.
//
// Firefox takes one BiDi session at a time and cannot reattach one whose
// socket dropped (FACTS section 4). So the window holds a session only for
// the length of one call (session.new, the commands, session.end): in
// between, a second client (a script signing in, a test playing the user)
// can take its own session on the printed endpoint. A call that finds the
// browser taken fails with site_error and the caller looks again.
#include <mutex>

#include "browser/bidi/launcher.hpp"
#include "browser/bidi/session.hpp"
#include "browser/io_thread.hpp"
#include "browser/login_window.hpp"

namespace camoufleet::bidi {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class firefox_login : public browser::login_window {
 public:
  firefox_login(const firefox_options& options, milliseconds connect_timeout)
      : connect_timeout_(connect_timeout) {
    browser_ = firefox_process::launch(options);
    io_ = std::make_unique<browser::io_thread>();
    try {
      // Firefox answers its first session.new only once its startup is done.
      with_session(connect_timeout, [](session&) { return json(); });
    } catch (...) {
      close();
      throw;
    }
  }
  ~firefox_login() override { close(); }

  std::string endpoint() const override { return browser_ ? browser_->ws_endpoint() : ""; }
  int pid() const override { return browser_ ? browser_->process().pid() : 0; }
  bool alive() const override { return browser_ && browser_->process().running(); }

  void open(const std::string& url, milliseconds timeout) override {
    with_session(timeout, [&](session& s) {
      // The window's own first tab, so the user sees one tab, not two.
      s.navigate(s.initial_context(timeout), url, timeout, "none");
      return json();
    });
  }

  // A context id is not valid in the next session: a tab's id here is its
  // place in browsingContext.getTree ("0", "1", ...).
  std::vector<browser::tab_info> tabs(milliseconds timeout) override {
    std::vector<browser::tab_info> out;
    with_session(timeout, [&](session& s) {
      for (const auto& c : top_contexts(s, timeout))
        out.push_back({std::to_string(out.size()), c.value("url", std::string())});
      return json();
    });
    return out;
  }

  json call(const std::string& tab_id, const std::string& function_source, const json& args,
            milliseconds timeout) override {
    return with_session(timeout, [&](session& s) {
      const json contexts = top_contexts(s, timeout);
      std::size_t at = contexts.size();
      try {
        at = std::stoul(tab_id);
      } catch (const std::exception&) {
      }
      if (at >= contexts.size())
        throw driver_error(failure_kind::site_error, "the tab " + tab_id + " is gone");
      return s.call_function(contexts[at].value("context", std::string()), function_source, {args},
                             timeout);
    });
  }

  std::vector<browser::stored_cookie> cookies(milliseconds timeout) override {
    std::vector<browser::stored_cookie> out;
    with_session(timeout, [&](session& s) {
      // The default partition: every first-party cookie of the browser.
      out = s.get_cookies("", timeout);
      return json();
    });
    return out;
  }

  void close() noexcept override {
    std::lock_guard<std::mutex> lock(close_mu_);
    if (!browser_) return;
    try {
      if (browser_->process().running()) {
        auto s = session::open(*io_, browser_->ws_endpoint(), milliseconds(5000));
        s->close_browser(milliseconds(2000));
        browser_->process().wait_for_exit(milliseconds(5000));
      }
    } catch (const std::exception&) {
      // Taken by another client, or gone: the terminate below settles it.
    }
    browser_.reset();  // terminates a browser still running, removes its profile dir
    if (io_) io_->stop();
    io_.reset();
  }

 private:
  // One session for the length of fn; ended (not only dropped) afterwards,
  // so that the browser takes the next client's session.
  template <class F>
  json with_session(milliseconds timeout, F fn) {
    if (!alive()) throw driver_error(failure_kind::browser_gone, "the browser is gone");
    auto s = session::open(*io_, browser_->ws_endpoint(), std::min(timeout, connect_timeout_));
    json r;
    try {
      r = fn(*s);
    } catch (...) {
      end(*s);
      throw;
    }
    end(*s);
    return r;
  }
  static json top_contexts(session& s, milliseconds timeout) {
    return s.command("browsingContext.getTree", {{"maxDepth", 0}}, timeout)
        .value("contexts", json::array());
  }
  static void end(session& s) {
    try {
      s.command("session.end", json::object(), milliseconds(5000));
    } catch (const std::exception&) {
    }
  }

  milliseconds connect_timeout_;
  std::mutex close_mu_;
  std::unique_ptr<firefox_process> browser_;
  std::unique_ptr<browser::io_thread> io_;
};

}  // namespace

std::unique_ptr<browser::login_window> launch_login_window(const firefox_options& options,
                                                           milliseconds connect_timeout) {
  return std::make_unique<firefox_login>(options, connect_timeout);
}

}  // namespace camoufleet::bidi
