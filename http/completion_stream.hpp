#pragma once
// The body of one streamed completion as a state machine: gateway events in,
// SSE text out (not yet chunk-framed). Pure, so the event order rules of
// FACTS.md §2 are unit tested without sockets:
//   role chunk first, deltas, empty delta with finish_reason, optional usage
//   chunk, data: [DONE]; a failure after the start becomes an error event
//   followed by data: [DONE].

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/types.hpp"
#include "http/errors.hpp"
#include "http/sse.hpp"

namespace camoufleet::http {

// The body of one streamed answer, in the wire shape of its route (chat
// completions here, the Responses API in responses_stream.hpp): gateway
// events in, SSE text out.
class answer_stream {
 public:
  virtual ~answer_stream() = default;
  virtual std::string on_delta(const request_delta& d) = 0;
  // The gateway may deliver the whole answer only here (or more than the
  // deltas carried): whatever the deltas did not yet send goes out first.
  virtual std::string on_finished(const request_finished& f) = 0;
  // After the stream began: the failure as the route's error event(s).
  virtual std::string on_failed(const error_reply& e) = 0;
  // After on_finished: the whole answer as one object, as the stream's last
  // event told it (the Responses API's response object, remembered for
  // GET and previous_response_id); "" for a shape that has none.
  virtual std::string answered_object() const { return {}; }
};

// A chat stream's end after a failure: the error as an event, then
// data: [DONE] (one choice or several).
std::string failed_stream_end(const error_reply& e);

// The part of `full` after what was already sent, when `full` extends it;
// "" when the deltas already said everything or told a different story
// (then repeating text would garble the answer more than leaving it).
std::string_view unsent_tail(const std::string& full, const std::string& sent);

class completion_stream : public answer_stream {
 public:
  // ends_stream false: a choice of several (choices_stream.hpp), whose
  // stream goes on after it: no usage chunk and no [DONE] of its own.
  completion_stream(completion_meta meta, bool include_usage, bool ends_stream = true);

  std::string on_delta(const request_delta& d) override;
  std::string on_finished(const request_finished& f) override;
  std::string on_failed(const error_reply& e) override;

  bool role_sent() const { return role_sent_; }
  bool ended() const { return ended_; }
  const completion_meta& meta() const { return meta_; }

 private:
  std::string ensure_role();

  completion_meta meta_;
  bool include_usage_;
  bool ends_stream_;
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
