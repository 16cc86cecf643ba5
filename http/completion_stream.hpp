#pragma once
// The body of one streamed completion as a state machine: gateway events in,
// SSE text out (not yet chunk-framed). Pure, so the event order rules of
// FACTS.md §2 are unit tested without sockets:
//   role chunk first, deltas, empty delta with finish_reason, optional usage
//   chunk, data: [DONE]; a failure after the start becomes an error event
//   followed by data: [DONE].

#include <string>
#include <utility>
#include <vector>

#include "actors/types.hpp"
#include "http/errors.hpp"
#include "http/sse.hpp"

namespace camoufleet::http {

class completion_stream {
 public:
  completion_stream(completion_meta meta, bool include_usage);

  std::string on_delta(const request_delta& d);
  // The gateway may deliver the whole answer only here (or more than the
  // deltas carried): whatever the deltas did not yet send goes out first.
  std::string on_finished(const request_finished& f);
  std::string on_failed(const error_reply& e);

  bool role_sent() const { return role_sent_; }
  bool ended() const { return ended_; }
  const completion_meta& meta() const { return meta_; }

 private:
  std::string ensure_role();

  completion_meta meta_;
  bool include_usage_;
  bool role_sent_ = false;
  bool ended_ = false;
  std::string sent_content_;
  std::string sent_reasoning_;
};

// The status line and headers of a chunked text/event-stream response,
// written by hand because the stream may start on a thread that is not the
// connection's reactor (STACK.md: Pistache's ResponseStream::flush aborts).
std::string stream_response_head(
    const std::vector<std::pair<std::string, std::string>>& extra_headers);

}  // namespace camoufleet::http
