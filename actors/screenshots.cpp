#include "actors/screenshots.hpp"

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace camoufleet {

namespace {

// Runs on its own thread (detached): blocks on the browser, sends the
// answer back to the instance, and ends.
void screenshot_taker(caf::event_based_actor* self, caf::actor instance,
                      std::shared_ptr<browser::session> session, std::uint64_t seq,
                      std::chrono::milliseconds timeout) {
  screenshot_reply reply;
  try {
    reply.png = session->page().screenshot_png(timeout);
    reply.status = screenshot_status::ok;
  } catch (const std::exception& e) {
    reply.status = screenshot_status::failed;
    reply.message = e.what();
  }
  session.reset();  // a closed browser's last owner may be this thread
  self->send(instance, screenshot_atom::value, seq, std::move(reply));
}

}  // namespace

caf::response_promise take_screenshot(caf::event_based_actor* self, screenshot_desk& desk,
                                      std::shared_ptr<browser::session> session,
                                      std::chrono::milliseconds timeout) {
  auto rp = self->make_response_promise();
  if (!session) {
    rp.deliver(screenshot_reply{screenshot_status::no_page, {}, "the instance has no browser now"});
    return rp;
  }
  const auto seq = ++desk.next;
  desk.pending.emplace(seq, rp);
  self->spawn<caf::detached>(screenshot_taker, caf::actor_cast<caf::actor>(self),
                             std::move(session), seq, timeout);
  // The taker's own calls end by the timeout (+2 s io guard); this is the backstop.
  self->delayed_send(self, timeout + std::chrono::seconds(3), screenshot_atom::value, seq,
                     screenshot_reply{screenshot_status::failed, {}, "no picture in time"});
  return rp;
}

void screenshot_answered(screenshot_desk& desk, std::uint64_t seq, screenshot_reply reply) {
  auto it = desk.pending.find(seq);
  if (it == desk.pending.end()) return;
  it->second.deliver(std::move(reply));
  desk.pending.erase(it);
}

}  // namespace camoufleet
