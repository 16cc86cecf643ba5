#pragma once
// The chaos case's traffic (tests/reliability/chaos_test.cpp): client
// threads sending non-stream and stream requests, streams dropped after the
// first piece or cancelled through /v1/cancel, and bad requests, each ending
// tallied by kind and outcome; an ending no request may have is recorded
// as bad.

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tests/e2e/fleet_fixture.hpp"

namespace camoufleet::reliability {

// How one request ended, as its client saw it.
struct tally {
  std::mutex mu;
  std::map<std::string, int> counts;  // "<kind> <outcome>"
  std::vector<std::string> bad;       // what no request may end with
  void add(const std::string& kind, const std::string& outcome) {
    std::lock_guard<std::mutex> lock(mu);
    ++counts[kind + " " + outcome];
  }
  void fail(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    bad.push_back(what);
  }
};

// Sends requests of every kind in turn until stop is set.
void run_client(const e2e::fleet_fixture& f, int client, const std::atomic<bool>& stop, tally& t);

}  // namespace camoufleet::reliability
