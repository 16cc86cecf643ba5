#pragma once
// An answer asked for as JSON (response_format) that the model wrapped in a
// Markdown code fence anyway (```json ... ```), unwrapped while it streams:
// the opening fence line is held until it is known and dropped, and a line
// that may be the closing fence is held until the next text or the end.
// Text that does not open with a fence passes through untouched. Pure.

#include <string>
#include <string_view>

namespace camoufleet::site {

class json_fence {
 public:
  // The part of `chunk` that can be passed on now.
  std::string feed(std::string_view chunk);
  // What is still held, at the end of the answer (a closing fence dropped).
  std::string finish();

  // The whole of `text` unwrapped, as feed() + finish() give it.
  static std::string strip(std::string_view text);

 private:
  enum class state { start, opened, plain };
  state state_ = state::start;
  std::string held_;
  bool at_line_start_ = false;  // opened, and nothing passed on since
};

}  // namespace camoufleet::site
