#include "actors/gateway_impl.hpp"

#include <memory>
#include <utility>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/caf_thread_guard.hpp"
#include "actors/messages.hpp"

namespace camoufleet {

namespace {

// Callbacks belong to the HTTP side; whatever they throw must not take an
// actor thread down with it.
template <class F, class... Ts>
void call_safely(const F& f, const Ts&... xs) {
  if (!f) return;
  try {
    f(xs...);
  } catch (const std::exception& e) {
    spdlog::error("gateway callback threw: {}", e.what());
  } catch (...) {
    spdlog::error("gateway callback threw");
  }
}

// One per request: forwards its events to the callback and ends after the
// last one. If it dies any other way (balancer gone, system shutdown), the
// callback still gets its one terminal event.
caf::behavior sink_actor(caf::event_based_actor* self, caf::actor balancer,
                         completion_request request,
                         std::function<void(const request_event&)> on_event) {
  auto done = std::make_shared<bool>(false);
  auto delta_seen = std::make_shared<bool>(false);
  const auto id = request.id;
  self->attach_functor([done, id, on_event] {
    if (*done) return;
    *done = true;
    call_safely(on_event, request_event{request_failed{id, "", error_code::shutting_down,
                                                       "the fleet is shutting down", 0}});
  });
  self->monitor(balancer);
  self->set_down_handler([self](caf::down_msg&) { self->quit(); });
  // Done: the balancer forgets this sink. A monitor outlives the monitoring
  // actor in CAF, and each one kept a finished sink's memory (~1 KB) for as
  // long as the balancer lived.
  auto end = [self, balancer] {
    self->demonitor(balancer);
    self->quit();
  };
  self->send(balancer, submit_atom::value, std::move(request),
             caf::actor_cast<caf::actor>(self));
  return {
    [=](request_assigned& e) { call_safely(on_event, request_event{std::move(e)}); },
    [=](request_delta& e) {
      *delta_seen = true;
      call_safely(on_event, request_event{std::move(e)});
    },
    [=](sent_atom, const std::string&) { return *delta_seen; },
    [=](request_finished& e) {
      *done = true;
      call_safely(on_event, request_event{std::move(e)});
      end();
    },
    [=](request_failed& e) {
      *done = true;
      call_safely(on_event, request_event{std::move(e)});
      end();
    },
  };
}

// One-shot askers: each lives for one request/response with a deadline.
// (Arguments rather than lambda captures: CAF 0.17 dereferences a null
// argument tuple when a spawned function takes no arguments.)
// A yes/no question to the balancer (cancel, restart, rotation); no answer
// in time counts as no.
template <class... Ts>
void ask_bool(caf::event_based_actor* self, caf::actor balancer,
              std::chrono::milliseconds timeout, std::function<void(bool)> on_done, Ts... xs) {
  self->request(balancer, timeout, std::move(xs)...)
      .then([=](bool ok) { call_safely(on_done, ok); },
            [=](caf::error&) { call_safely(on_done, false); });
}

void ask_fleet(caf::event_based_actor* self, caf::actor balancer,
               std::chrono::milliseconds timeout,
               std::function<void(const fleet_view&)> on_view) {
  self->request(balancer, timeout, caf::get_atom::value, fleet_atom::value)
      .then([=](const fleet_view& v) { call_safely(on_view, v); },
            [=](caf::error& e) {
              fleet_view v;
              v.unanswered = "the fleet did not answer in " + std::to_string(timeout.count()) +
                             " ms (" + caf::to_string(e) + ")";
              call_safely(on_view, v);
            });
}

void ask_models(caf::event_based_actor* self, caf::actor balancer,
                std::chrono::milliseconds timeout,
                std::function<void(const std::vector<core::model_info>&)> on_models) {
  self->request(balancer, timeout, caf::get_atom::value, models_atom::value)
      .then([=](const std::vector<core::model_info>& m) { call_safely(on_models, m); },
            [=](caf::error&) { call_safely(on_models, std::vector<core::model_info>{}); });
}

void ask_screenshot(caf::event_based_actor* self, caf::actor balancer,
                    std::chrono::milliseconds timeout, std::string instance_id,
                    std::function<void(const screenshot_reply&)> on_reply) {
  self->request(balancer, timeout, screenshot_atom::value, std::move(instance_id))
      .then([=](const screenshot_reply& r) { call_safely(on_reply, r); },
            [=](caf::error& e) {
              call_safely(on_reply,
                          screenshot_reply{screenshot_status::failed, {}, caf::to_string(e)});
            });
}

}  // namespace

gateway_impl::gateway_impl(caf::actor_system& system, caf::actor balancer,
                           std::chrono::milliseconds ask_timeout)
    : system_(system), balancer_(std::move(balancer)), ask_timeout_(ask_timeout) {}

void gateway_impl::close() {
  std::unique_lock<std::shared_mutex> lock(mu_);
  closed_ = true;
  balancer_ = nullptr;
}

void gateway_impl::stop_admitting() { admitting_.store(false); }

void gateway_impl::submit(completion_request request,
                          std::function<void(const request_event&)> on_event) {
  caf_thread_guard thread_guard;
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (closed_ || !admitting_.load()) {
    lock.unlock();
    call_safely(on_event, request_event{request_failed{request.id, "", error_code::shutting_down,
                                                       "the fleet is shutting down", 0}});
    return;
  }
  system_.spawn(sink_actor, balancer_, std::move(request), std::move(on_event));
}

template <class... Ts>
void gateway_impl::ask_yes_no(std::function<void(bool)> on_done, Ts... xs) {
  caf_thread_guard thread_guard;
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (closed_) {
    lock.unlock();
    call_safely(on_done, false);
    return;
  }
  system_.spawn(ask_bool<Ts...>, balancer_, ask_timeout_, std::move(on_done), std::move(xs)...);
}

void gateway_impl::cancel(const std::string& request_id, std::function<void(bool)> on_done) {
  ask_yes_no(std::move(on_done), cancel_atom::value, request_id);
}

void gateway_impl::fleet(std::function<void(const fleet_view&)> on_view) {
  caf_thread_guard thread_guard;
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (closed_) {
    lock.unlock();
    fleet_view v;
    v.unanswered = "the fleet is shutting down";
    call_safely(on_view, v);
    return;
  }
  system_.spawn(ask_fleet, balancer_, ask_timeout_, std::move(on_view));
}

void gateway_impl::models(std::function<void(const std::vector<core::model_info>&)> on_models) {
  caf_thread_guard thread_guard;
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (closed_) {
    lock.unlock();
    call_safely(on_models, std::vector<core::model_info>{});
    return;
  }
  system_.spawn(ask_models, balancer_, ask_timeout_, std::move(on_models));
}

void gateway_impl::restart(const std::string& instance_id, std::function<void(bool)> on_done) {
  ask_yes_no(std::move(on_done), restart_atom::value, instance_id);
}

void gateway_impl::set_rotation(const std::string& instance_id, bool in_rotation,
                                std::function<void(bool)> on_done) {
  ask_yes_no(std::move(on_done), rotation_atom::value, instance_id, in_rotation);
}

void gateway_impl::screenshot(const std::string& instance_id,
                              std::function<void(const screenshot_reply&)> on_reply) {
  caf_thread_guard thread_guard;
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (closed_) {
    lock.unlock();
    call_safely(on_reply, screenshot_reply{screenshot_status::failed, {}, "the fleet is shutting down"});
    return;
  }
  // The balancer and the instance answer by their own deadlines; a little more here.
  system_.spawn(ask_screenshot, balancer_, ask_timeout_ + std::chrono::seconds(12), instance_id,
                std::move(on_reply));
}

}  // namespace camoufleet
