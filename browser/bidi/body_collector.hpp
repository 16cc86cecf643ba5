#pragma once
// A tab's WebDriver BiDi network data collector (network.addDataCollector),
// behind bidi_transport::watch_bodies. Firefox keeps every body a collector
// collected until the client lets it go (network.disownData, or getData
// with disown) or removes the collector: up to remote.network.
// maxTotalDataSize (200 MB) per browser, and past that as evicted entries
// that never leave. A tab that reloads its chat page for every request
// would fill its browser with bodies nobody reads, so each completed
// response of the tab is either handed to the watches that want it
// (getData, disown) or disowned at once.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "browser/bidi/session.hpp"
#include "site/page_transport.hpp"

namespace camoufleet::bidi {

// For one network.responseCompleted: nullopt when it is not a response of
// context's requests (or has no request id); otherwise the indices in
// url_parts of the watches that want its body (empty: nobody does, the
// body is to be let go). Pure.
std::optional<std::vector<std::size_t>> body_wanted_by(const nlohmann::json& params, const std::string& context,
                                                       const std::vector<std::string>& url_parts);

// Whether a failed network.disownData may be a body still being read:
// Firefox collects after network.responseCompleted goes out, and disowning
// a body not collected yet fails with "no such network data". Pure.
bool disown_came_too_early(const std::string& error);

class body_collector {
 public:
  using body_callback = std::function<void(const std::string* body, const std::string& error)>;

  // s must outlive this object; context: the tab (a top-level context).
  body_collector(session& s, std::string context);
  ~body_collector();
  body_collector(const body_collector&) = delete;
  body_collector& operator=(const body_collector&) = delete;

  // Adds the collector (bodies up to max_body_bytes) and starts handling the
  // tab's completed responses. Throws driver_error when the browser has no
  // data collectors (an older Firefox): watches are then told bodies cannot
  // be read.
  void open(int max_body_bytes, std::chrono::milliseconds timeout);
  // on_body(body, "") with each completed response whose URL contains
  // url_part, or (nullptr, why); never again once the watch is destroyed.
  std::unique_ptr<site::page_watch> watch(const std::string& url_part, body_callback on_body);
  // Removes the collector (Firefox drops what it still holds) and stops
  // handling events. Best effort within timeout: never throws.
  void close(std::chrono::milliseconds timeout);

 private:
  struct state;
  session& s_;
  std::shared_ptr<state> st_;
  browser::subscription completed_;
};

}  // namespace camoufleet::bidi
