#pragma once
// The events of one streamed background response (POST /v1/responses with
// `background` and `stream`), kept so that a client whose connection broke
// can read the stream again: GET /v1/responses/{id}?stream=true, from the
// start or `starting_after` a sequence number. Pure: the server holds a
// log under its own lock (http/background.cpp) and decides how long to
// keep it.
//
// Events arrive as the Responses stream writes them (responses_stream.hpp):
// whole SSE events, one or more per text, numbered 0, 1, 2, ... in order
// (their `sequence_number`), so the n-th event kept is number n.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace camoufleet::http {

class event_log {
 public:
  // sse_text: whole events ("event: ...\ndata: ...\n\n"), each kept apart;
  // an SSE comment (": ...") is no event and is not kept.
  void append(std::string_view sse_text);
  // The events numbered above starting_after, as one text (-1: all).
  std::string after(long long starting_after) const;
  // No event comes after the last one appended (the response ended).
  void end() { ended_ = true; }
  bool ended() const { return ended_; }
  std::size_t size() const { return events_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  std::vector<std::string> events_;
  std::size_t bytes_ = 0;
  bool ended_ = false;
};

// `starting_after` of GET /v1/responses/{id}?stream=true: a whole number
// from -1 up (-1 and none: from the first event). False: not one.
bool parse_starting_after(const std::string& text, long long& out);

}  // namespace camoufleet::http
