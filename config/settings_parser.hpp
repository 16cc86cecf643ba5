#pragma once
// Turns the command line, the environment and a `.env` file into settings.
// Precedence: command line > environment > .env > defaults.
//
// In main():
//   auto r = config::parse_settings(argc, argv, config::process_env, ".env");
//   if (r.exit_now) { (r.exit_code ? std::cerr : std::cout) << r.output; return r.exit_code; }
//   config::init_logging(r.value.log_level);
//   spdlog::info("{}", config::describe(r.value));
//   for (const auto& w : r.warnings) spdlog::warn("{}", w);
//
// Names: every value flag also has an environment name shown by --help
// (PORT, MULTI_INSTANCE_MODE, CAMOUFOX_WS_ENDPOINT as upstream; the rest
// CAMOUFLEET_<FLAG>, e.g. CAMOUFLEET_AUTH_DIR); the display mode comes from
// CAMOUFLEET_DISPLAY=headless|debug|virtual-display. `.env` uses the same names.
// `login` defaults to a visible browser; it checks --auth-dir only with
// --activate and never loads API keys.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"

namespace camoufleet::config {

struct parse_result {
  settings value;
  int exit_code = 0;
  bool exit_now = false;  // --help, --version or an error: print output and exit
  std::string output;     // help text (exit 0, stdout) or one "error: ..." line (exit 2, stderr)
  std::vector<std::string> warnings;  // worth logging, not fatal (never holds a secret)
};

using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

// The environment is injected so tests never touch the process environment.
// dotenv_path "" = no .env file; a missing file is fine.
parse_result parse_settings(int argc, const char* const* argv, const env_lookup& getenv,
                            const std::string& dotenv_path);

// Checks the values alone (no file system): "" when fine, else one line that
// starts with the flag at fault, e.g. "--port: 70000 is out of range 1-65535".
std::string validate(const settings& s);

// The kind an executable's file name suggests: "camoufox" in it -> camoufox,
// "firefox" -> firefox, anything else -> chromium.
browser_kind detect_browser_kind(const std::string& executable);

// Whether an executable's file name names a browser with no window at all
// (Chromium's old headless shell, Debian's chromium-headless-shell): it can
// serve only with --headless, and cannot sign anyone in.
bool headless_only_browser(const std::string& executable);

// The process environment, for main().
std::optional<std::string> process_env(const std::string& name);

// For log lines and /health; never includes keys, only how many there are.
const char* to_string(display_mode m);
const char* to_string(browser_kind k);
const char* to_string(isolation i);
std::string describe(const settings& s);

}  // namespace camoufleet::config
