#pragma once
// `camoufleet node --head HOST:PORT`: the fleet's instances run here and join
// the head's balancer (issue 19); no HTTP on a node. And the signal wait the
// server and a node share.

#include <signal.h>

#include <functional>

#include "actors/fleet.hpp"
#include "config/settings.hpp"

namespace camoufleet::app {

// Waits for SIGTERM or SIGINT (SIGHUP re-reads the auth dir meanwhile, and
// runs on_reload if given), then drains the fleet: no new requests, running
// ones get shutdown_grace.
void wait_and_drain(const sigset_t& stop_signals, fleet& instances, const config::settings& s,
                    const std::function<void()>& on_reload = {});

// The fleet is started and joining. Returns the exit code once drained.
int run_node(const config::settings& s, fleet& instances, const sigset_t& stop_signals);

}  // namespace camoufleet::app
