#pragma once
// The settings of issue 17 (tools and images), kept apart so that they can
// be read and checked on their own: how function calling reaches the model
// and whether image URLs are fetched.

#include <string>

#include "config/settings.hpp"

namespace camoufleet::config {

// Checks --tool-mode and --image-urls (texts already lower-cased) and the
// fetch limits: "" when fine, else one line that starts with the flag at fault.
std::string apply_tool_settings(settings& s);

}  // namespace camoufleet::config
