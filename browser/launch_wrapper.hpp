#pragma once
// A browser named through a one-line shell wrapper that runs it without
// exec (Debian's /usr/bin/chromium-headless-shell is `#!/bin/sh -e` then
// `/usr/lib/chromium/chromium-headless-shell "$@"`) is launched as the
// program it runs instead: otherwise the shell is camoufleet's child, and
// the browser outlives a killed camoufleet (PR_SET_PDEATHSIG reaches only
// the shell) and is not the pid it watches. Anything more than that one
// line (flags, variables, a clean-up after it) is left as it is.

#include <string>

namespace camoufleet::browser {

// The program a wrapper script runs, "" when the text is not exactly a
// shebang, then blank or comment lines and one `[exec] /abs/path "$@"`.
std::string wrapped_program(const std::string& script_text);

// path itself, or the executable program its wrapper script runs.
std::string unwrap_launcher(const std::string& path);

}  // namespace camoufleet::browser
