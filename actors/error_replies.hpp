#pragma once
// What a long-lived actor does with an error message sent back to it: a
// peer that did not take one of its messages answers with
// sec::unexpected_message (every actor here drops what it does not know
// with caf::drop, which replies so). CAF's default error handler would stop
// the actor on it — a balancer, an instance or the spare pool gone for a
// message nobody needed; here the error is logged and the actor goes on.
// (Request errors are not these: they reach the request's own handler.)

#include <string>

namespace caf {
class scheduled_actor;
}

namespace camoufleet {

void log_error_replies(caf::scheduled_actor* self, std::string who);

}  // namespace camoufleet
