#pragma once
// A profile may name its own browser: NAME.browser.json beside NAME.json,
// {"kind": "chromium" | "firefox" | "camoufox", "browser": "PATH"}
// ("browser" optional: chromium, firefox-esr or camoufox on PATH), so that
// one fleet mixes kinds. Without a sidecar the fleet's --browser-kind and
// --browser apply. No CAF, no threads: unit tested directly.

#include <optional>
#include <string>

#include "browser/session.hpp"

namespace camoufleet {

struct browser_choice {
  browser::browser_kind kind = browser::browser_kind::chromium;
  std::string path;
};

// ".../alice.json" -> ".../alice.browser.json".
std::string browser_sidecar_path(const std::string& auth_file);
// ".../alice.json" -> ".../alice.camoufox.json": the profile's Camoufox
// fingerprint (used when the instance's kind is camoufox).
std::string fingerprint_sidecar_path(const std::string& auth_file);
// A *.json file that is a profile (not a *.browser.json or *.camoufox.json
// sidecar).
bool is_profile_file(const std::string& path);

// The sidecar's text read as a choice; throws std::invalid_argument with
// the reason when it is not such an object.
browser_choice parse_browser_sidecar(const std::string& text);
// The sidecar of auth_file applied to options (kind and browser_path); false
// when there is none. Throws std::invalid_argument "<file>: <reason>" when
// it is broken.
bool apply_browser_sidecar(const std::string& auth_file, browser::session_options& options);
// For a camoufox instance: its fingerprint sidecar, when there is one, into
// options.fingerprint_file (the launcher refuses invalid JSON with a clear
// per-profile error). Returns whether one was set.
bool apply_fingerprint_sidecar(const std::string& auth_file, browser::session_options& options);

}  // namespace camoufleet
