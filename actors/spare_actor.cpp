// The spare pool's actor (spare_actor.hpp): ledger decisions turned into
// shelf launches, hand-overs to restarting instances, refills and reports.
#include "actors/spare_actor.hpp"
#include "actors/error_replies.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/messages.hpp"
#include "actors/spare_ledger.hpp"
#include "browser/spares.hpp"

namespace camoufleet {

namespace {

struct spare_state {
  std::shared_ptr<browser::spare_shelf> shelf;
  spare_ledger ledger{0, {}};
  caf::actor balancer;
  bool tick_pending = false;
  static const char* name;
};
const char* spare_state::name = "spares";

using self_ptr = caf::stateful_actor<spare_state>*;

void publish(self_ptr self) {
  auto& st = self->state;
  self->send(st.balancer, spares_atom::value, st.ledger.view(), st.ledger.wanted());
}

// Launches what is due now; comes back when a back-off ends.
void refill(self_ptr self) {
  auto& st = self->state;
  const auto now = unix_ms();
  for (auto id : st.ledger.due(now)) {
    spdlog::info("Starting spare browser spare_{}", id);
    st.shelf->launch(id);
  }
  const auto next = st.ledger.next_due_ms();
  if (next > now && !st.tick_pending) {
    st.tick_pending = true;
    if (st.ledger.failures() > 0)
      spdlog::warn("Spare browsers keep failing ({} in a row): next one in {} ms", st.ledger.failures(),
                   next - now);
    self->delayed_send(self, std::chrono::milliseconds(next - now), tick_atom::value);
  }
  publish(self);
}

caf::behavior spare_actor(self_ptr self, std::shared_ptr<browser::spare_shelf> shelf, int wanted,
                          fleet_timing timing, caf::actor balancer) {
  auto& st = self->state;
  st.shelf = std::move(shelf);
  st.ledger = spare_ledger(wanted, timing);
  st.balancer = std::move(balancer);
  self->set_default_handler(caf::drop);
  log_error_replies(self, "spare pool");
  caf::actor_addr addr = self->address();
  auto tell = [addr](auto... xs) {
    if (auto dest = caf::actor_cast<caf::actor>(addr)) caf::anon_send(dest, xs...);
  };
  st.shelf->on_events([tell](std::uint64_t id, int pid) { tell(spare_up_atom::value, id, pid); },
                      [tell](std::uint64_t id, const std::string& reason) {
                        tell(spare_down_atom::value, id, reason);
                      });
  refill(self);
  return {
    [=](take_spare_atom, const std::string& instance_id) -> std::uint64_t {
      auto& s = self->state;
      auto spare = s.ledger.take(unix_ms());
      if (!spare) {
        spdlog::info("{}: no warm spare ready: starting a browser cold", instance_id);
        return 0;
      }
      spdlog::info("{}: takes over spare browser spare_{} (pid {})", instance_id, spare->id, spare->pid);
      refill(self);  // a new spare once the instance is up on this one
      return spare->id;
    },
    [=](spare_done_atom, std::uint64_t id, bool used) {
      if (used)
        self->state.ledger.settled(id);
      else
        self->state.ledger.give_back(id, unix_ms());
      refill(self);
    },
    [=](spare_up_atom, std::uint64_t id, int pid) {
      self->state.ledger.up(id, pid, unix_ms());
      spdlog::info("Spare browser spare_{} ready to take over (pid {})", id, pid);
      publish(self);
    },
    [=](spare_down_atom, std::uint64_t id, const std::string&) {
      self->state.ledger.down(id, unix_ms());
      refill(self);
    },
    [=](tick_atom) {
      self->state.tick_pending = false;
      refill(self);
    },
    [=](stop_atom) -> bool {
      self->state.ledger.stop();
      self->quit();
      return true;
    },
  };
}

}  // namespace

caf::actor spawn_spare_actor(caf::actor_system& system, std::shared_ptr<browser::spare_shelf> shelf,
                             int wanted, fleet_timing timing, caf::actor balancer) {
  return system.spawn(spare_actor, std::move(shelf), wanted, timing, std::move(balancer));
}

void stop_spares(caf::actor_system& system, caf::actor& spares,
                 const std::shared_ptr<browser::spare_shelf>& shelf, fleet_timing timing) {
  if (spares) {
    caf::scoped_actor self{system};
    self->request(spares, timing.ask_timeout, stop_atom::value).receive([](bool) {}, [](caf::error&) {});
    spares = nullptr;
  }
  if (shelf) shelf->close();
}

}  // namespace camoufleet
