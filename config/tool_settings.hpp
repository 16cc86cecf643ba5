#pragma once
// The settings of issue 17 (tools and images), kept apart so that they can
// be read and checked on their own: how function calling reaches the model
// and whether image URLs are fetched.

#include <string>

#include "config/settings.hpp"

namespace camoufleet::config {

// Checks --image-urls (text already lower-cased; --tool-mode is parsed into
// core::tool_mode when read), the fetch limits and that the CA file reads: "" when fine, else one line that starts with the flag at fault.
std::string apply_tool_settings(settings& s);

}  // namespace camoufleet::config
