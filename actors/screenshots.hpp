#pragma once
// Pictures of an instance's page on demand (the dashboard's screenshot
// button). The instance's worker may be inside a generation that hangs, and
// a stuck page is exactly what one wants to see, so the picture is taken on
// a short-lived detached actor of its own, beside the worker; the answer
// comes back to the instance, which replies to whoever asked.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>

#include <caf/fwd.hpp>
#include <caf/response_promise.hpp>

#include "actors/types.hpp"
#include "browser/session.hpp"

namespace camoufleet {

// The requests an instance has in flight, by number.
struct screenshot_desk {
  std::uint64_t next = 0;
  std::map<std::uint64_t, caf::response_promise> pending;
};

// In the instance's handler for (screenshot_atom): starts the taker and
// returns the promise the answer will be delivered through. A null session
// is answered at once (no_page). The taker answers within `timeout` plus a
// small margin; if it does not, a self-sent deadline answers `failed`.
caf::response_promise take_screenshot(caf::event_based_actor* self, screenshot_desk& desk,
                                      std::shared_ptr<browser::session> session,
                                      std::chrono::milliseconds timeout);

// In the handler for (screenshot_atom, seq, screenshot_reply): delivers the
// first answer for seq (the taker's or the deadline's); later ones are dropped.
void screenshot_answered(screenshot_desk& desk, std::uint64_t seq, screenshot_reply reply);

}  // namespace camoufleet
