#include "browser/cdp/context_reserve.hpp"

#include <spdlog/spdlog.h>

#include "browser/cdp/connection.hpp"

namespace camoufleet::browser::cdp {

using nlohmann::json;
using std::chrono::milliseconds;

context_reserve::context_reserve(std::shared_ptr<connection> conn, std::string browser_name)
    : conn_(std::move(conn)), name_(std::move(browser_name)) {}

context_reserve::~context_reserve() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
  }
  if (filler_.joinable()) filler_.join();
}

void context_reserve::fill() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closing_ || filling_ || ready_) return;
  filling_ = true;
  // The previous filler has finished (filling_ was false): join it first.
  if (filler_.joinable()) filler_.join();
  filler_ = std::thread([this] { make_one(); });
}

std::optional<blank_context> context_reserve::take() {
  std::optional<blank_context> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out.swap(ready_);
  }
  fill();
  return out;
}

void context_reserve::make_one() {
  blank_context made;
  try {
    // Browser-level calls: a live browser answers in milliseconds (and the
    // destructor waits for these, so they are short).
    json ctx = conn_->call("Target.createBrowserContext", {{"disposeOnDetach", false}}, "",
                           milliseconds(2000));
    made.context_id = ctx.value("browserContextId", std::string());
    if (!made.context_id.empty()) {
      json t = conn_->call("Target.createTarget",
                           {{"url", "about:blank"}, {"browserContextId", made.context_id}}, "",
                           milliseconds(2000));
      made.target_id = t.value("targetId", std::string());
    }
  } catch (const std::exception& e) {
    spdlog::debug("shared browser {}: no warm context: {}", name_, e.what());
  }
  if (!made.context_id.empty() && made.target_id.empty()) {
    try {  // a context without its tab is of no use: drop it
      conn_->call("Target.disposeBrowserContext", {{"browserContextId", made.context_id}}, "",
                  milliseconds(2000));
    } catch (const std::exception&) {
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  filling_ = false;
  if (!made.target_id.empty() && !closing_) {
    ready_ = std::move(made);
    spdlog::debug("shared browser {}: a warm context is ready", name_);
  }
}

}  // namespace camoufleet::browser::cdp
