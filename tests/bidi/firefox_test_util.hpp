#pragma once
// Small helpers for the tests that start firefox-esr.

#include <chrono>

#include "tests/cdp/process_watch.hpp"

namespace camoufleet::bidi::testing {

using cdp::testing::process_alive;
using cdp::testing::wait_until;

using cdp::testing::pid_reaper;

// Firefox comes up in ~0.5 s idle, several seconds on a busy 2-core machine.
constexpr std::chrono::milliseconds firefox_start_timeout{60000};

}  // namespace camoufleet::bidi::testing
