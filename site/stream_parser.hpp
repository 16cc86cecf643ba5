#pragma once
// Incremental parser for the streamed GenerateContent body: one JSON array
// that grows as the answer is generated, `[` chunk `,` chunk ... `]`.
// Pure logic: bytes in, deltas out; no I/O, no threads.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/chat.hpp"
#include "site/site_profile.hpp"

namespace camoufleet::site {

class stream_parse_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct stream_usage {
  bool present = false;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int total_tokens = 0;
};

class stream_parser {
 public:
  explicit stream_parser(wire_format wire = {});

  // Feed the next piece of the body, split anywhere (inside strings, escapes,
  // multi-byte UTF-8). Returns the deltas of every chunk completed by this
  // piece, in order. Throws stream_parse_error on malformed input; after
  // that, every further feed throws again.
  std::vector<delta> feed(std::string_view bytes);

  bool done() const { return state_ == state::done; }            // the closing `]` was seen
  bool started() const { return state_ != state::before_open; }  // the opening `[` was seen
  const std::string& finish_reason() const { return finish_reason_; }
  const stream_usage& usage() const { return usage_; }
  std::size_t chunks() const { return chunks_; }
  // Function-call parts, as compact JSON, for callers that want them.
  const std::vector<std::string>& function_calls() const { return function_calls_; }
  // An error object the stream carried instead of an answer (e.g. RESOURCE_EXHAUSTED).
  const std::string& stream_error() const { return stream_error_; }

 private:
  enum class state { before_open, between, in_chunk, done, failed };
  void fail(const std::string& why);
  void finish_chunk(std::vector<delta>& out);

  wire_format wire_;
  state state_ = state::before_open;
  std::string chunk_;  // bytes of the chunk being read
  int depth_ = 0;      // nesting inside the current chunk
  bool in_string_ = false;
  bool escape_ = false;
  bool scalar_chunk_ = false;  // a bare scalar element (ends at `,` or `]`)
  bool expect_element_ = true;
  std::size_t offset_ = 0;  // bytes consumed, for messages
  std::size_t xssi_pos_ = 0;
  std::size_t chunks_ = 0;
  std::string finish_reason_;
  stream_usage usage_;
  std::vector<std::string> function_calls_;
  std::string stream_error_;
  std::string error_;
};

}  // namespace camoufleet::site
