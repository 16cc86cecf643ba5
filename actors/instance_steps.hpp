#pragma once
// The steps the instance actor's handlers are made of, shared by its four
// files: instance_actor.cpp (the message handlers), instance_browser.cpp (the
// browser's life: start, status follow-up, crash, leave, health checks),
// instance_jobs.cpp (the request: generation on the worker, its end, the
// session write-back) and instance_recycle.cpp (the page loaded afresh).
// Internal to actors/.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include <caf/all.hpp>

#include "actors/instance_actor.hpp"
#include "actors/messages.hpp"

namespace camoufleet::instance_steps {

using self_ptr = caf::stateful_actor<instance_actor_state>*;

// Sends from a worker thread back to the actor, if it still exists.
template <class... Ts>
void tell(const caf::actor_addr& addr, Ts&&... xs) {
  if (auto dest = caf::actor_cast<caf::actor>(addr)) caf::anon_send(dest, std::forward<Ts>(xs)...);
}

inline std::chrono::milliseconds until_from_now(std::int64_t until_ms) {
  return std::chrono::milliseconds(std::max<std::int64_t>(0, until_ms - unix_ms()));
}

// instance_browser.cpp
// Sends the instance's view to the balancer.
void publish(self_ptr self);
// Walks away from the current browser: its worker closes it in the
// background while a fresh worker can start the next one.
void retire_worker(self_ptr self);
void reap_retired(self_ptr self);
// A fresh worker starts a browser (a new epoch); the outcome comes back as
// session_started / session_failed.
void begin_start(self_ptr self);
// The start itself, on the worker: with warm spare spare_id when not 0.
void post_start(self_ptr self, std::uint64_t epoch, std::uint64_t spare_id);
// The start on a spare ended (up or failed): the pool may refill now.
void spare_settled(self_ptr self);
// Acts on the status the machine just entered: timers and browser teardown.
void follow_status(self_ptr self);
// Closes the browser through the worker, then tells the balancer to forget
// this instance and quits (remove_atom with the epoch comes back).
void leave(self_ptr self);
// The browser went away or stopped answering: hand back / fail the current
// request, then restart with backoff.
void on_crash(self_ptr self, const std::string& reason, const char* kind);
void health_check(self_ptr self);
// The page's garbage (browser::session::collect_garbage): V8 leaves a
// long-lived tab's garbage in place for thousands of answers (bench P7). An
// idle page gets a collection after its health check's ping when it served
// since the last one; a page that is never idle at a check, every
// collections_every answers, between two requests.
constexpr int collections_every = 200;
bool wants_collection(int served, int collected_at_served, bool idle);
// After an answer: posts a collection to the worker when one is due.
void collect_if_due(self_ptr self);

// instance_recycle.cpp
// A page that served this many answers is due to be loaded afresh
// (every = --page-recycle-after; 0 = never).
bool recycle_due(int page_served, int every);
// After an answer, with no request and nothing else waiting for its end:
// when the page is due, the instance leaves the rotation (recycling) and its
// worker loads the page afresh; page_reloaded comes back. True if it began.
bool maybe_recycle(self_ptr self);
void on_page_reloaded(self_ptr self, const page_reloaded& m);
// From the health check, while recycling: a reload past its own deadline
// is a hung worker.
void check_recycle_overrun(self_ptr self, std::int64_t now_ms);

// instance_jobs.cpp
job_outcome outcome_for(const instance_actor_state& st, const std::string& request_id);
// Forgets the current request and hands back the promise of its outcome,
// for the caller to deliver after publishing the state the request left:
// the balancer then reads that state (served, cooldown ...) before the
// outcome, so a client holding its answer never sees the instance behind.
caf::response_promise end_job(self_ptr self);
// Sends the answer to the request's sink and the outcome to whoever asked
// for the job, each after the state the caller published: directly, or on a
// node through its agent (instance_config::relay_through_balancer).
void send_answer(self_ptr self, const caf::actor& sink, request_finished fin);
void deliver_outcome(self_ptr self, caf::response_promise& promise, job_outcome o);
// end_job, then delivers the outcome at once.
void finish_job(self_ptr self, job_outcome o);
// Runs what waited for the current request to end: leaving after the
// profile was removed, restarting after it changed.
void after_job(self_ptr self);
// Reads the session from the browser and writes it to the profile file when
// decide_refresh says so. Runs on the worker thread; logs, never throws.
worker::job save_job(self_ptr self);
// The refreshed session goes back to the profile file.
bool writes_back(const instance_actor_state& st);
// Runs the request on the worker: model, generate with deltas, then a new
// chat for the next request (or first, when that failed last time).
void post_generation(self_ptr self, const run_job& job);

}  // namespace camoufleet::instance_steps
