#pragma once
// A gateway in front of another that counts what passes through it into a
// fleet_stats: every request's start, assignment, first delta and end. The
// HTTP server puts one in front of whatever gateway it is given, so every
// answer it serves is counted the same way. No CAF. Each request's callback
// shares the counters, so an event the inner gateway delivers late (after
// the server that made this one is gone) still has them to count into.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/fleet_stats.hpp"
#include "actors/gateway.hpp"

namespace camoufleet {

class observed_gateway : public gateway {
 public:
  // `clock` gives unix ms (tests pass their own).
  observed_gateway(gateway& inner, std::shared_ptr<fleet_stats> stats,
                   std::function<std::int64_t()> clock = {});

  void submit(completion_request request,
              std::function<void(const request_event&)> on_event) override;
  void cancel(const std::string& request_id, std::function<void(bool)> on_done) override;
  void fleet(std::function<void(const fleet_view&)> on_view) override;
  void models(std::function<void(const std::vector<core::model_info>&)> on_models) override;
  void restart(const std::string& instance_id, std::function<void(bool)> on_done) override;
  void set_rotation(const std::string& instance_id, bool in_rotation,
                    std::function<void(bool)> on_done) override;
  void screenshot(const std::string& instance_id,
                  std::function<void(const screenshot_reply&)> on_reply) override;

 private:
  gateway& inner_;
  std::shared_ptr<fleet_stats> stats_;
  std::function<std::int64_t()> clock_;
};

// Memory of a browser: the proportional set size (RSS where that cannot be
// read) summed over the processes of its process group (the launcher gives
// each browser its own). 0 when unknown.
std::int64_t browser_memory_bytes(int pid);

}  // namespace camoufleet
