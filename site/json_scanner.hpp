#pragma once
// An incremental, validating scanner for one JSON document that arrives in
// pieces split anywhere (inside strings, escapes, numbers, multi-byte UTF-8).
// It does not build values: it reports each container (array or object) the
// moment its closing bracket arrives, with the container's depth and its
// bytes, so a caller can parse just the pieces it cares about as they
// complete. Pure logic: no I/O, no threads.

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace camoufleet::site {

class json_scan_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class json_scanner {
 public:
  // Called for every container that closes. `depth` is 0 for the document
  // itself, 1 for its elements, and so on. `text` holds exactly the
  // container's bytes. Return true to say "I have consumed it": the scanner
  // may then drop buffered bytes it no longer needs (containers that enclose
  // a consumed one can no longer be handed out whole).
  using on_close = std::function<bool(std::size_t depth, char open, std::string_view text)>;

  explicit json_scanner(std::size_t max_depth = 256) : max_depth_(max_depth) {}

  // Throws json_scan_error on malformed input; after that every further
  // feed throws again. Leading whitespace is skipped; a leading
  // anti-hijacking prefix `)]}'` is skipped too.
  void feed(std::string_view bytes, const on_close& cb);

  bool started() const { return started_; }
  bool done() const { return done_; }
  std::size_t offset() const { return offset_; }

 private:
  enum class expect { value, key, colon, comma_or_close, value_or_close, key_or_close };
  struct frame {
    char open;          // '[' or '{'
    std::size_t start;  // absolute offset of the opening bracket
    expect next;
  };

  [[noreturn]] void fail(const std::string& why);
  void begin_value(char c);
  void end_value();
  void close(char c, const on_close& cb);
  void finish_literal();
  void step(char c, const on_close& cb);

  std::size_t max_depth_;
  std::vector<frame> stack_;
  std::string buf_;         // bytes from absolute offset base_ on
  std::size_t base_ = 0;    // absolute offset of buf_[0]
  std::size_t offset_ = 0;  // bytes consumed
  std::size_t xssi_ = 0;    // how much of the prefix was matched
  bool started_ = false;
  bool done_ = false;
  bool failed_ = false;
  std::string error_;
  bool in_string_ = false;
  bool escape_ = false;
  int unicode_left_ = 0;  // hex digits still expected after \u
  std::string literal_;   // a number / true / false / null being read
  bool string_is_key_ = false;
};

}  // namespace camoufleet::site
