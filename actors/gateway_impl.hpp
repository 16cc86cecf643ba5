#pragma once
// camoufleet::gateway over the balancer actor. Nothing here blocks the
// caller: each call spawns a small actor that talks to the balancer and
// runs the callback from a CAF thread.

#include <atomic>
#include <chrono>
#include <shared_mutex>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/gateway.hpp"

namespace camoufleet {

class gateway_impl : public gateway {
 public:
  gateway_impl(caf::actor_system& system, caf::actor balancer,
               std::chrono::milliseconds ask_timeout);

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

  // From now on submit() refuses new requests with shutting_down at once;
  // everything else still works (running requests finish, the fleet view
  // stays readable). Takes effect before it returns.
  void stop_admitting();

  // From now on every call answers at once (shutting_down / empty) without
  // touching the actor system, which may then be destroyed. Waits for calls
  // already inside.
  void close();

 private:
  // A yes/no question to the balancer (false at once when closed).
  template <class... Ts>
  void ask_yes_no(std::function<void(bool)> on_done, Ts... xs);

  std::shared_mutex mu_;  // shared: a call in progress; unique: close()
  bool closed_ = false;
  std::atomic<bool> admitting_{true};
  caf::actor_system& system_;
  caf::actor balancer_;
  std::chrono::milliseconds ask_timeout_;
};

}  // namespace camoufleet
