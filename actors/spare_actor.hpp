#pragma once
// The pool of warm spare browsers (--spare-browsers N, process isolation) as
// an actor: it keeps the spare_ledger, has the browser::spare_shelf launch
// what the ledger says is due, hands a ready spare to an instance that
// restarts after a crash (take_spare_atom -> spare id, 0 = none), refills in
// the background with back-off, and tells the balancer what the pool holds
// (for /health, /v1/instances and /metrics). Blocking work (launches, closes)
// runs on the shelf's threads, never on CAF's.

#include <memory>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/timing.hpp"

namespace camoufleet::browser {
class spare_shelf;
}

namespace camoufleet {

caf::actor spawn_spare_actor(caf::actor_system& system, std::shared_ptr<browser::spare_shelf> shelf,
                             int wanted, fleet_timing timing, caf::actor balancer);

// Shutdown: the actor stops refilling and quits, then every spare on the
// shelf is stopped (blocking; from the fleet's thread).
void stop_spares(caf::actor_system& system, caf::actor& spares,
                 const std::shared_ptr<browser::spare_shelf>& shelf, fleet_timing timing);

}  // namespace camoufleet
