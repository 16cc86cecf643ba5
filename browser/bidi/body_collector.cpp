#include "browser/bidi/body_collector.hpp"

#include <map>
#include <mutex>

#include <spdlog/spdlog.h>

#include "browser/bidi/bidi_transport.hpp"
#include "browser/cdp/watch.hpp"

namespace camoufleet::bidi {

namespace cdp = ::camoufleet::browser::cdp;

using nlohmann::json;
using std::chrono::milliseconds;

namespace {
constexpr milliseconds reply_timeout{10000};
}  // namespace

std::optional<std::vector<std::size_t>> body_wanted_by(const json& params, const std::string& context,
                                                       const std::vector<std::string>& url_parts) {
  if (!params.is_object() || params.value("context", json()) != json(context)) return std::nullopt;
  if (request_id(params).empty()) return std::nullopt;
  std::vector<std::size_t> wanted;
  for (std::size_t i = 0; i < url_parts.size(); ++i)
    if (watched_request(params, context, url_parts[i])) wanted.push_back(i);
  return wanted;
}

bool disown_came_too_early(const std::string& error) {
  return error.find("no such network data") != std::string::npos;
}

// Shared with the event handler and the replies, which may outlive the
// collector (io thread): `open` turns false when it closes, under mu.
struct body_collector::state {
  using gate = cdp::gated<body_callback>;
  session* s;
  std::string context;
  std::mutex mu;
  bool open = true;
  std::string collector;  // "" = none: bodies cannot be read
  int next_watch = 0;
  std::map<int, std::pair<std::string, std::shared_ptr<gate>>> watches;

  // A reply's second try: getData waits for a body still being read, then
  // lets it go. Only while the collector is open (the session then lives).
  void release_late(const std::string& request) {
    std::lock_guard<std::mutex> lock(mu);
    if (!open || collector.empty()) return;
    // The reply does not take mu: a synchronous failure cannot deadlock.
    json params = {{"dataType", "response"}, {"request", request}, {"collector", collector}, {"disown", true}};
    s->command_async("network.getData", std::move(params), reply_timeout, [](const json*, const std::string&) {});
  }

  void on_completed(const json& params, const std::shared_ptr<state>& self) {
    std::vector<std::shared_ptr<gate>> wanted;
    std::string kept_by;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!open) return;
      std::vector<std::string> parts;
      std::vector<std::shared_ptr<gate>> gates;
      for (const auto& [id, w] : watches) {
        parts.push_back(w.first);
        gates.push_back(w.second);
      }
      const auto which = body_wanted_by(params, context, parts);
      if (!which) return;
      for (auto i : *which) wanted.push_back(gates[i]);
      kept_by = collector;
    }
    const std::string request = request_id(params);
    if (kept_by.empty()) {
      for (auto& g : wanted) (*g)(nullptr, "this browser cannot read response bodies");
      return;
    }
    if (!wanted.empty()) {
      json p = {{"dataType", "response"}, {"request", request}, {"collector", kept_by}, {"disown", true}};
      s->command_async("network.getData", std::move(p), reply_timeout,
                       [wanted](const json* r, const std::string& err) {
                         std::string body;
                         std::string why = err;
                         if (r) {
                           try {
                             body = body_bytes(*r);
                           } catch (const std::exception& e) {
                             why = e.what();
                           }
                         }
                         for (auto& g : wanted) why.empty() ? (*g)(&body, std::string()) : (*g)(nullptr, why);
                       });
      return;
    }
    json p = {{"dataType", "response"}, {"request", request}, {"collector", kept_by}};
    s->command_async("network.disownData", std::move(p), reply_timeout,
                     [self, request](const json* r, const std::string& err) {
                       if (!r && disown_came_too_early(err)) {
                         // Not collected yet, or not at all (no body, too big,
                         // from the memory cache): ask again once it is.
                         self->release_late(request);
                       }
                     });
  }
};

body_collector::body_collector(session& s, std::string context) : s_(s), st_(std::make_shared<state>()) {
  st_->s = &s;
  st_->context = std::move(context);
}

body_collector::~body_collector() { close(milliseconds(0)); }

void body_collector::open(int max_body_bytes, milliseconds timeout) {
  auto st = st_;
  completed_ = s_.on_event("network.responseCompleted", [st](const json& p) { st->on_completed(p, st); });
  json r = s_.command("network.addDataCollector",
                      {{"dataTypes", json::array({"response"})},
                       {"maxEncodedDataSize", max_body_bytes},
                       {"contexts", json::array({st_->context})}},
                      timeout);
  std::lock_guard<std::mutex> lock(st_->mu);
  st_->collector = r.value("collector", std::string());
}

std::unique_ptr<site::page_watch> body_collector::watch(const std::string& url_part, body_callback on_body) {
  struct body_watch : site::page_watch {
    std::shared_ptr<state> st;
    int id = 0;
    std::shared_ptr<state::gate> g;
    ~body_watch() override {
      {
        std::lock_guard<std::mutex> lock(st->mu);
        st->watches.erase(id);
      }
      g->close();
    }
  };
  auto w = std::make_unique<body_watch>();
  w->st = st_;
  w->g = std::make_shared<state::gate>(std::move(on_body));
  std::lock_guard<std::mutex> lock(st_->mu);
  w->id = st_->next_watch++;
  st_->watches[w->id] = {url_part, w->g};
  return w;
}

void body_collector::close(milliseconds timeout) {
  std::string collector;
  {
    std::lock_guard<std::mutex> lock(st_->mu);
    if (!st_->open) return;
    st_->open = false;
    collector.swap(st_->collector);
  }
  completed_.reset();
  if (collector.empty() || timeout <= milliseconds(0) || !s_.alive()) return;
  try {
    s_.command("network.removeDataCollector", {{"collector", collector}}, timeout);
  } catch (const std::exception& e) {
    spdlog::debug("bidi: removing the tab's data collector: {}", e.what());
  }
}

}  // namespace camoufleet::bidi
