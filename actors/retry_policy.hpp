#pragma once
// Failover rules, as nginx does it: a request moves to another instance only
// while nothing has reached the client yet. Pure.

#include "actors/types.hpp"
#include "core/chat.hpp"

namespace camoufleet::retry {

// Failures of one instance that another instance may not share.
bool retryable(error_code code);

struct failed_attempt {
  error_code code = error_code::none;
  bool delta_sent = false;   // some answer text already went to the client (stream
                             // bytes on the wire, not deltas an instance produced)
  int retries_done = 0;      // failovers already made for this request
};

// True when the request should go to another (never the same) instance.
bool should_retry(const failed_attempt& a, int max_retries);

// How a driver failure is reported to the client.
error_code code_of(core::failure_kind kind);
// Local name table so actors/ does not need cdp's implementation files.
const char* name_of(core::failure_kind kind);

}  // namespace camoufleet::retry
