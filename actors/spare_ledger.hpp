#pragma once
// Warm spare browsers (--spare-browsers N, process isolation) as pure
// decisions: which browser start may take a spare, which spare it gets, when
// the pool is refilled, and how a spare that keeps dying backs off. The spare
// actor (actors/spare_actor.*) feeds it and acts; nothing here sleeps,
// launches or sends.

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "actors/timing.hpp"
#include "actors/types.hpp"
#include "browser/session.hpp"

namespace camoufleet {

// Why an instance starts a browser.
enum class start_cause {
  first,    // the instance's first start (the fleet starting, a profile added)
  crash,    // its browser crashed or was given up as hung: it restarts after an error
  by_hand,  // a restart from the dashboard or a changed profile file
};

// Whether a spare of the shelf (launched with the fleet's options, `shelf`)
// can be an instance's browser: the instance launches its own (not attached),
// of the shelf's kind and executable (a profile's *.browser.json may name
// another), and has no Camoufox fingerprint (a fingerprint is the whole
// process's, fixed at launch; a spare has none).
bool spare_fits(const browser::session_options& instance, const browser::session_options& shelf);

// Only a restart after a crash or hang takes a spare: that is lost capacity
// to win back. First starts and restarts by hand go cold, so spares stay for
// the emergencies. fits: spare_fits for the instance.
bool may_take_spare(start_cause cause, bool fits);

class spare_ledger {
 public:
  spare_ledger(int wanted, fleet_timing timing, std::int64_t hold_ms = 10000)
      : wanted_(wanted < 0 ? 0 : wanted), timing_(timing), hold_ms_(hold_ms) {}

  // Ids of spares to launch now, each counted as launching from here on:
  // enough to have `wanted` launching or ready, unless stopped or backing
  // off after failures.
  std::vector<std::uint64_t> due(std::int64_t now_ms);
  // When due() may have launches again after a back-off (0: none pending).
  std::int64_t next_due_ms() const;

  // The spare launched and waits to be taken.
  void up(std::uint64_t id, int pid, std::int64_t now_ms);
  // It failed to launch, or died while waiting: forget it; the refill backs
  // off (initial, doubling, capped) while this keeps happening. A spare that
  // lived longer than the cap before dying starts the count afresh.
  void down(std::uint64_t id, std::int64_t now_ms);
  // The spare that waited longest, handed over (no longer the pool's);
  // nullopt when none is ready. Taking one ends a back-off streak. Its
  // refill waits until the instance is up on it (settled()) or hold_ms
  // passed: a browser launch beside the hand-over would slow the very
  // start the spare is there to speed up (two cores shared by both).
  std::optional<spare_view> take(std::int64_t now_ms);
  // The instance that took spare id is up on it (or failed to start).
  void settled(std::uint64_t id);
  // The instance that took spare id did not use it after all (its start was
  // superseded before it began): the spare is the pool's again, still warm.
  void give_back(std::uint64_t id, std::int64_t now_ms);
  // No launches from now on (shutdown).
  void stop() { stopped_ = true; }

  std::vector<spare_view> view() const;
  int wanted() const { return wanted_; }
  int failures() const { return failures_; }

 private:
  struct slot {
    std::uint64_t id = 0;
    bool ready = false;
    int pid = 0;
    std::int64_t since_ms = 0;  // ready since
  };
  std::int64_t backoff_ms() const;

  int wanted_;
  fleet_timing timing_;
  std::vector<slot> slots_;
  std::uint64_t next_id_ = 1;
  int failures_ = 0;
  std::int64_t not_before_ms_ = 0;
  bool stopped_ = false;
  std::int64_t hold_ms_;
  std::vector<std::pair<std::uint64_t, std::int64_t>> holds_;  // taken spare, refill not before
  std::vector<std::pair<std::uint64_t, int>> taken_;           // taken spare, its pid, until settled
};

}  // namespace camoufleet
