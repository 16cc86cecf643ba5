#pragma once
// `camoufleet login --save-as NAME`: sign in by hand, save the session.

#include <string>

#include "config/settings.hpp"

namespace camoufleet::app {

// Returns the process exit code.
int run_login(const config::settings& s, const std::string& x_display);

}  // namespace camoufleet::app
