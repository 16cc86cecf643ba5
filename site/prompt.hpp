#pragma once
// The site has no system-prompt field and no way to submit a history, so a
// conversation is sent as one prompt.
//
// Rule:
// - A conversation that is exactly one user message is sent as is.
// - Otherwise: every system (or "developer") message, in order, goes into one
//   block that starts with the system label ("System Instructions:"); then
//   every other message becomes a turn that starts with its label ("User:"
//   for user and any unknown role such as "tool", "Assistant:" for
//   assistant). Each label is followed by a newline and the content; blocks
//   are joined with the separator (a blank line).
// - Messages whose content is empty or only whitespace are skipped.

#include <string>
#include <vector>

#include "core/chat.hpp"
#include "site/site_profile.hpp"

namespace camoufleet::site {

std::string flatten_prompt(const std::vector<chat_message>& messages,
                           const prompt_labels& labels = {});

}  // namespace camoufleet::site
