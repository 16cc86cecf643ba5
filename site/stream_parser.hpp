#pragma once
// Incremental parser for the streamed GenerateContent body: a JSON array of
// chunks that grows as the answer is generated. The real site wraps the list
// twice and ends it with a metadata element, `[[chunk, ..., meta]]`; the
// list is found by the shape of its first chunk, not at a fixed depth, and
// each chunk's deltas come out as soon as its closing bracket arrives.
// Pure logic: bytes in, deltas out; no I/O, no threads.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/chat.hpp"
#include "site/json_scanner.hpp"
#include "site/site_profile.hpp"

namespace camoufleet::site {

class stream_parse_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct stream_usage {
  bool present = false;
  int prompt_tokens = 0;
  int completion_tokens = 0;  // answer + thoughts, as the site counts them
  int reasoning_tokens = 0;   // the thoughts alone
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

  bool done() const { return scanner_.done(); }        // the whole body has arrived
  bool started() const { return scanner_.started(); }  // its opening bracket was seen
  // "stop" | "length" | "content_filter" | "other"; "" while none was seen.
  const std::string& finish_reason() const { return finish_reason_; }
  const stream_usage& usage() const { return usage_; }
  std::size_t chunks() const { return chunks_; }
  // Function-call parts (the array at the part's function-call index), as compact JSON.
  const std::vector<std::string>& function_calls() const { return function_calls_; }
  // What the site said when it blocked the prompt or the answer ("" if it did not).
  const std::string& blocked_message() const { return blocked_message_; }
  // An error the stream carried instead of an answer: a JSPB pair
  // `[code,"message"]` or an `{"error":...}` object, as compact JSON.
  const std::string& stream_error() const { return stream_error_; }
  int stream_error_code() const { return stream_error_code_; }
  // What that error means for the account (site_error when not known).
  failure_kind stream_error_kind() const;

 private:
  bool on_close(std::size_t depth, char open, std::string_view text, std::vector<delta>& out);
  bool take_error(const nlohmann::json& v);
  void take_chunk(const nlohmann::json& chunk, std::vector<delta>& out);
  [[noreturn]] void fail(const std::string& why);

  wire_format wire_;
  json_scanner scanner_;
  // Depth of the chunk list's elements, found by shape from the first chunk
  // (the real body wraps the list twice, older captures once). -1: not yet.
  long chunk_depth_ = -1;
  std::size_t chunks_ = 0;
  std::string finish_reason_;
  stream_usage usage_;
  std::vector<std::string> function_calls_;
  std::string blocked_message_;
  std::string stream_error_;
  int stream_error_code_ = 0;
  std::string error_;
};

}  // namespace camoufleet::site
