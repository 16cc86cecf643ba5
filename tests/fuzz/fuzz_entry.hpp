#pragma once
// One fuzz target per file: built as a libFuzzer binary (clang,
// -DCAMOUFLEET_FUZZ=ON) its entry point is LLVMFuzzerTestOneInput; built into
// fuzz_replay_tests (every build) it gets a name of its own, so one binary
// can replay every target's seeds and a fixed-seed mutation round.
#include <cstddef>
#include <cstdint>

#ifndef CAMOUFLEET_FUZZ_ENTRY
#define CAMOUFLEET_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

// An invariant of the code under test broke: stop here, so libFuzzer saves
// the input (and a replay test crashes with the input's file in its log).
#define FUZZ_CHECK(cond) \
  do {                   \
    if (!(cond)) __builtin_trap(); \
  } while (0)
