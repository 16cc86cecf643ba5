#pragma once
// The site has no system-prompt field and no way to submit a history, so a
// conversation is sent as one prompt.
//
// Rule:
// - A conversation that is exactly one user message is sent as is.
// - Otherwise: every system (or "developer") message, in order, goes into one
//   block that starts with the system label ("System Instructions:"); then
//   every other message becomes a turn that starts with its label ("User:"
//   for user and any unknown role, "Assistant:" for assistant). Each label
//   is followed by a newline and the content; blocks are joined with the
//   separator (a blank line).
// - Function calling (there is no UI for earlier calls and their results):
//   an assistant turn's tool calls follow its content (if any), one block
//   per call:
//       Request function call: NAME (tool_call_id=ID)
//       Parameters: {"the":"arguments as JSON"}
//   and a tool message is a turn of its own:
//       Tool result (tool_call_id=ID):
//       <content>
// - Emulated function calling (site/emulated_tools.hpp): the tool block is
//   the first paragraph of the system block.
// - Messages whose content is empty or only whitespace are skipped (an
//   assistant turn with calls and a tool result are always kept).

#include <string>
#include <vector>

#include "core/chat.hpp"
#include "site/site_profile.hpp"

namespace camoufleet::site {

// `instructions` (emulated function calling's tool block) opens the system
// block; with it, even a lone user message gets its label.
std::string flatten_prompt(const std::vector<chat_message>& messages,
                           const prompt_labels& labels = {}, const std::string& instructions = "");

// What tool_choice asks for that the page has no control for, as a last
// paragraph of the prompt: "" for "", "auto" and "none"; for "required"
// "You must answer with one or more function calls ...", for a named function
// "You must answer by calling the function NAME ...". With emulated function
// calling (site/emulated_tools.hpp) the same demands name the ```tool_calls
// block: "You must answer with a ```tool_calls block holding one or more
// function calls; ..." / "... that calls the function NAME (and no other
// function); ...".
std::string tool_choice_instruction(const generation_params& params, bool emulated = false);

// What response_format asks for, as a last paragraph of the prompt: "" for
// text; for json_object "Answer with one JSON object only ..."; for
// json_schema the same with the schema (and its name) to follow.
std::string response_format_instruction(const generation_params& params);

// The last turn of a second try after an answer was not what its request
// demands (`problem`: reply_problem's words, site/reply_check.hpp): the
// function call tool_choice requires, else the corrected JSON.
std::string ask_again_request(const std::string& problem, const generation_params& params);

}  // namespace camoufleet::site
