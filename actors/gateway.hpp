#pragma once
// The door from the HTTP side into the actors. No CAF in this header: http/
// only sees plain types and callbacks. Callbacks run on actor threads and
// must not block (queue bytes, never wait).

#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "actors/types.hpp"

namespace camoufleet {

using request_event =
    std::variant<request_assigned, request_delta, request_finished, request_failed>;

class gateway {
 public:
  virtual ~gateway() = default;
  // Hand a request to the balancer; on_event receives its events, the last
  // one being request_finished or request_failed (exactly once).
  virtual void submit(completion_request request,
                      std::function<void(const request_event&)> on_event) = 0;
  // Cancel a queued or running request (client gone, /v1/cancel). Unknown
  // ids are ignored; on_done(true) when something was cancelled.
  virtual void cancel(const std::string& request_id, std::function<void(bool)> on_done) = 0;
  virtual void fleet(std::function<void(const fleet_view&)> on_view) = 0;
  virtual void models(std::function<void(const std::vector<core::model_info>&)> on_models) = 0;

  // Dashboard actions; on_done(false) when no instance has that id. The
  // defaults answer false (a gateway without instances to act on).
  // Restart the instance's browser (after its current request when busy).
  virtual void restart(const std::string& /*instance_id*/, std::function<void(bool)> on_done) {
    if (on_done) on_done(false);
  }
  // Take the instance out of the rotation (no new requests; the current one
  // finishes) or put it back.
  virtual void set_rotation(const std::string& /*instance_id*/, bool /*in_rotation*/,
                            std::function<void(bool)> on_done) {
    if (on_done) on_done(false);
  }
  // A PNG of the instance's page, taken even while it is busy or stuck.
  virtual void screenshot(const std::string& instance_id,
                          std::function<void(const screenshot_reply&)> on_reply) {
    if (on_reply) on_reply({screenshot_status::unknown_instance, {}, "no instance " + instance_id});
  }
};

}  // namespace camoufleet
