#pragma once
// Small helpers for the tests that start firefox-esr.

#include <chrono>

#include "tests/browser/process_watch.hpp"

namespace camoufleet::bidi::testing {

using browser::testing::process_alive;
using browser::testing::wait_until;

using browser::testing::pid_reaper;

// Firefox comes up in ~0.5 s idle, several seconds on a busy 2-core machine.
constexpr std::chrono::milliseconds firefox_start_timeout{60000};

}  // namespace camoufleet::bidi::testing
