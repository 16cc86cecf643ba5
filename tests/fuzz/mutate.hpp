#pragma once
// Small structure-aware mutations for the fixed-seed fuzz rounds that run in
// every build (libFuzzer does its own in a fuzz build): flip a byte, delete,
// insert a token, duplicate a span, truncate. Deterministic for a given rng.
#include <random>
#include <string>
#include <vector>

namespace camoufleet::testing {

std::string mutate(std::string s, std::mt19937& rng, const std::vector<std::string>& tokens);

}  // namespace camoufleet::testing
