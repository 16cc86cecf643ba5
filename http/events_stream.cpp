// /v1/events of server::impl: the dashboard's live state.
#include "http/server_impl.hpp"

#include "http/browser_memory.hpp"

namespace camoufleet::http {

// ---------------------------------------------------------------------------
// /v1/events: one SSE stream per open dashboard. The ticker asks the fleet
// at most every events_interval and sends each subscriber the state when it
// differs from the last one it got (so a change shows within ~250 ms).

namespace {
constexpr auto events_interval = std::chrono::milliseconds(250);
}

void server::impl::start_events(ph::ResponseWriter response, header_list cors) {
  auto p = std::make_shared<pending>();
  p->cors = std::move(cors);
  p->events = true;
  p->stream = true;
  p->id = "events";
  p->route = route_label(endpoint::events);
  p->peer = response.getPeer();
  p->writer.emplace(std::move(response));
  p->received = steady::now();
  p->last_write = p->received;
  p->deadline = steady::time_point::max();
  completion_meta meta;
  meta.id = p->id;
  // Only so that shutdown's reply_error can end the stream with an error event.
  p->body = std::make_unique<completion_stream>(meta, false);
  if (closing_) {
    std::lock_guard<std::mutex> lock(p->mu);
    reply_error(*p, map_error(error_code::shutting_down, {}));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(p->mu);
    start_stream(*p);
    write_stream(*p, sse_comment("camoufleet events"), false);
  }
  track(p);
  events_now_ = true;
}

void server::impl::push_events(const std::vector<pending_ptr>& subscribers) {
  const auto now = steady::now();
  if (!events_now_ && now - events_last_ < events_interval) return;
  // One query at a time; one that never came back (a hung fleet) is given up after 5 s.
  if (events_asking_ && now - events_last_ < std::chrono::seconds(5)) return;
  events_asking_ = true;
  events_now_ = false;
  events_last_ = now;
  std::weak_ptr<impl> self = shared_from_this();
  gw_.fleet([self, subscribers](const fleet_view& v) {
    auto s = self.lock();
    if (!s) return;
    const auto now_ms = unix_ms_now();
    const auto state =
        dashboard_state_json(v, s->stats_->snapshot(now_ms), s->browser_memory(v), now_ms);
    for (const auto& p : subscribers) {
      std::lock_guard<std::mutex> lock(p->mu);
      if (p->done || p->last_state == state) continue;
      p->last_state = state;
      s->write_stream(*p, "event: state\n" + sse_event(state), false);
    }
    s->events_asking_ = false;
  });
}

void server::impl::end_events() {
  std::vector<pending_ptr> subscribers;
  {
    std::lock_guard<std::mutex> lock(map_mu_);
    for (auto& [key, p] : pending_)
      if (p->events) subscribers.push_back(p);
  }
  for (const auto& p : subscribers) {
    {
      std::lock_guard<std::mutex> lock(p->mu);
      if (!p->done) reply_error(*p, map_error(error_code::shutting_down, {}));
    }
    untrack(p);
  }
}

std::map<std::string, std::int64_t> server::impl::browser_memory(const fleet_view& v) {
  std::lock_guard<std::mutex> lock(memory_mu_);
  const auto now = steady::now();
  if (now - memory_at_ >= std::chrono::seconds(2)) {
    memory_at_ = now;
    memory_ = attribute_browser_memory(v, [](int pid) { return browser_memory_bytes(pid); });
  }
  return memory_;
}

}  // namespace camoufleet::http
