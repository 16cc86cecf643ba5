#pragma once
// What a page_transport's watches are made of, for every protocol on
// browser::channel (CDP and WebDriver BiDi): event subscriptions plus a gate
// for the replies of async calls, so that once the watch is destroyed
// neither runs its callback again.

#include <memory>
#include <mutex>
#include <vector>

#include "browser/cdp/connection.hpp"
#include "site/page_transport.hpp"

namespace camoufleet::browser::cdp {

// Runs the callback until close(); close() waits for a running call.
template <class Callback>
struct gated {
  std::mutex mu;
  bool open = true;
  Callback callback;
  explicit gated(Callback c) : callback(std::move(c)) {}
  template <class... Args>
  void operator()(Args&&... args) {
    std::lock_guard<std::mutex> lock(mu);
    if (open) callback(std::forward<Args>(args)...);
  }
  void close() {
    std::lock_guard<std::mutex> lock(mu);
    open = false;
  }
};

template <class Callback>
struct subscription_watch : site::page_watch {
  std::vector<subscription> subs;
  std::shared_ptr<gated<Callback>> gate;
  ~subscription_watch() override {
    subs.clear();
    if (gate) gate->close();
  }
};

inline site::page_event make_event(site::page_event::kind k, std::string id, std::string data = {},
                                   int status = 0) {
  site::page_event e;
  e.type = k;
  e.request_id = std::move(id);
  e.data = std::move(data);
  e.status = status;
  return e;
}

}  // namespace camoufleet::browser::cdp
