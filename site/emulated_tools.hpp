#pragma once
// Emulated function calling (issue 17): for a model or page without the
// native function-calling controls, the tools are described in the prompt
// and the calls are read back out of the answer's text. Pure: no I/O.
//
// The prompt block (docs/guide.md "Emulated function calling" has it too):
//
//     Functions you can call (a JSON array: name, description, parameters as JSON Schema):
//     [{"name":"get_weather","description":"...","parameters":{...}}]
//     To call functions, answer with exactly one block like this and nothing after it:
//     ```tool_calls
//     {"tool_calls":[{"name":"FUNCTION_NAME","arguments":{"PARAMETER":"VALUE"}}]}
//     ```
//     Several calls in the one list are made in parallel. ...
//
// What counts as a call in the answer (parse_emulated_answer):
// - a ```tool_calls or ```json fence (or a bare fence) whose body is a JSON
//   object with a "tool_calls" list;
// - a bare JSON object `{"tool_calls":[...]}` anywhere in the text;
// - upstream's form (FACTS section 5, also how the history shows earlier
//   calls): a line `Request function call: NAME` (optionally followed by
//   ` (tool_call_id=...)`) and then `Parameters: {json object}`.
// Each call is {"name": declared name, "arguments": object, or a JSON string
// of one, or absent = {}}. If any such block is broken (invalid JSON, no
// list, an undeclared name, arguments that are not an object) the whole
// answer is plain text: no call is half-made.
//
// With native function calling (the page's declarations) only the last form
// counts (call_forms::upstream_only), and only whole: the marker at the start
// of a line and a `Parameters:` object after it. FACTS section 5 says models
// sometimes answer that way even in native mode; a ```json block, or the
// marker in the middle of prose (an answer quoting the history), is text.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "site/function_calls.hpp"

namespace camoufleet::site {

// The block put before the conversation: the declarations (a JSON array as
// in generation_params::function_declarations) and the output convention.
std::string emulated_tools_prompt(const std::string& declarations_json);

// The declared names of a declarations array ("" / invalid = none).
std::vector<std::string> declared_names(const std::string& declarations_json);

// Which written forms of a call an answer is searched for.
enum class call_forms {
  all,            // emulated function calling: the three forms above
  upstream_only,  // native function calling: `Request function call:` blocks only
};

struct emulated_answer {
  std::vector<function_call> calls;  // empty: a plain text answer
  std::string text;                  // the answer without the call blocks, trimmed
  // [begin, end) of each call block in the answer (empty without calls).
  std::vector<std::pair<std::size_t, std::size_t>> spans;
};

emulated_answer parse_emulated_answer(const std::string& answer,
                                      const std::vector<std::string>& declared,
                                      call_forms forms = call_forms::all);

// Streams an emulated answer: text is passed on as it comes until a line
// starts (after spaces) with "```", "{" or "Request function call:" (only
// the last with call_forms::upstream_only) — a call may begin there — and
// everything from that line on is held back until the answer ends. finish() then says what is left to pass on: the
// held text without its call blocks (trimmed) when it held calls, else the
// held text as it was.
class emulated_stream {
 public:
  explicit emulated_stream(call_forms forms = call_forms::all) : forms_(forms) {}

  // The part of `chunk` that can be passed on now.
  std::string feed(std::string_view chunk);

  struct ending {
    emulated_answer answer;  // over the whole text
    std::string tail;        // still to pass on
    std::string held;        // the held text as it was (tail when there are no calls)
  };
  ending finish(const std::vector<std::string>& declared) const;
  call_forms forms() const { return forms_; }

 private:
  std::string all_;         // everything fed
  std::size_t released_ = 0;  // all_[0, released_) was passed on
  std::size_t line_start_ = 0;
  bool line_decided_ = false;
  bool holding_ = false;
  call_forms forms_;
};

// The end of an answer whose text went through `stream`: the text still to
// pass on, and `result` (content, tool_calls, finish_reason) with the
// written calls taken in — always for emulated tools (call_forms::all);
// for native ones only when the page sent no call of its own, else the
// text stays as it was.
std::string adopt_written_calls(const emulated_stream& stream,
                                const std::vector<std::string>& declared,
                                core::generation_result& result);

}  // namespace camoufleet::site
