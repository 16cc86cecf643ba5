#include "browser/bidi/tab_watch.hpp"

#include <atomic>
#include <mutex>

#include <spdlog/spdlog.h>

#include "browser/bidi/session.hpp"

namespace camoufleet::bidi {

using nlohmann::json;

namespace {
// A probe answers within milliseconds on a live or a crashed tab; one that
// does not (a busy page) tells nothing either way.
constexpr std::chrono::milliseconds probe_timeout{5000};
}  // namespace

bool is_crash_page(const std::string& url) { return url.rfind("about:tabcrashed", 0) == 0; }

tab_loss::tab_loss(std::string context) : context_(std::move(context)) {}

tab_loss::verdict tab_loss::see(const std::string& method, const json& params) {
  if (!params.is_object()) return verdict::none;
  const bool ours = params.value("context", json()) == json(context_);
  if (method == "script.realmCreated") {
    if (ours) realms_.insert(params.value("realm", std::string()));
    return verdict::none;
  }
  if (method == "script.realmDestroyed")
    return realms_.erase(params.value("realm", std::string())) ? verdict::probe : verdict::none;
  if (!ours) return verdict::none;
  if (method == "browsingContext.contextDestroyed") return verdict::closed;
  if (method == "browsingContext.navigationCommitted" && is_crash_page(params.value("url", std::string())))
    return verdict::crashed;
  return verdict::none;
}

const std::vector<std::string>& tab_events() {
  static const std::vector<std::string> events = {"browsingContext.contextDestroyed",
                                                  "browsingContext.navigationCommitted", "script.realmCreated",
                                                  "script.realmDestroyed"};
  return events;
}

bool parent_process_refusal(const std::string& error) {
  return error.find("not supported for parent process browsing contexts") != std::string::npos;
}

struct tab_watch::state : std::enable_shared_from_this<state> {
  session* s = nullptr;
  std::string context;
  std::function<void(const std::string&)> told;
  tab_loss loss;  // io thread only
  std::atomic<bool> gone{false};
  std::mutex m;  // held while telling; the watch's end waits for it
  bool alive = true;

  state(session& owner, std::string ctx, std::function<void(const std::string&)> t)
      : s(&owner), context(ctx), told(std::move(t)), loss(std::move(ctx)) {}

  void lost(const std::string& what) {
    std::lock_guard<std::mutex> lock(m);
    if (!alive || gone.exchange(true)) return;
    spdlog::warn("bidi: tab {}: {}", context, what);
    s->fail_tab(context, what);
    if (told) told(what);
  }

  // io thread (an event handler): the session is alive while it runs.
  void probe() {
    if (gone) return;
    json params = {{"expression", "0"},
                   {"target", {{"context", context}}},
                   {"awaitPromise", false},
                   {"resultOwnership", "none"}};
    std::weak_ptr<state> weak = shared_from_this();
    s->command_async("script.evaluate", std::move(params), probe_timeout,
                     [weak](const json* result, const std::string& error) {
                       auto self = weak.lock();
                       if (self && !result && parent_process_refusal(error)) self->lost("tab crashed");
                     });
  }

  void see(const std::string& method, const json& params) {
    switch (loss.see(method, params)) {
      case tab_loss::verdict::closed: return lost("tab closed");
      case tab_loss::verdict::crashed: return lost("tab crashed");
      case tab_loss::verdict::probe: return probe();
      case tab_loss::verdict::none: return;
    }
  }
};

tab_watch::tab_watch(session& s, std::string context, std::function<void(const std::string& what)> told)
    : state_(std::make_shared<state>(s, std::move(context), std::move(told))) {
  for (const auto& method : tab_events()) {
    std::weak_ptr<state> weak = state_;
    subs_.push_back(s.on_event(method, [weak, method](const json& params) {
      if (auto st = weak.lock()) st->see(method, params);
    }));
  }
}

tab_watch::~tab_watch() {
  subs_.clear();  // no handler runs after this
  std::lock_guard<std::mutex> lock(state_->m);
  state_->alive = false;  // nor a probe's answer
}

bool tab_watch::gone() const { return state_->gone.load(); }

}  // namespace camoufleet::bidi
