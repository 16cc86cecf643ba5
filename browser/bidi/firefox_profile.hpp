#pragma once
// What a Firefox/Camoufox profile dir and environment need before launch:
// the user.js prefs, a stale lock cleared, and Camoufox's fingerprint split
// into CAMOU_CONFIG_1..N. File work only, no processes: unit tested directly.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace camoufleet::bidi {

using env_list = std::vector<std::pair<std::string, std::string>>;
using pref_list = std::vector<std::pair<std::string, std::string>>;  // name, JS literal

// The prefs every launch writes: a quiet browser that opens about:blank,
// never updates, reports nothing, restores no session, and calls no Mozilla
// service (offline machines must not wait on them). software_webrender adds
// gfx.webrender.software=true (needed headed under Xvfb).
pref_list default_prefs(bool software_webrender);

// user.js text: `user_pref("name", value);` per line, extra after defaults
// (a later line for the same name wins in Firefox).
std::string user_js_text(const pref_list& prefs);

// Writes DIR/user.js (0600). Throws driver_error(browser_gone) on failure.
void write_user_js(const std::string& dir, const pref_list& prefs);

// Removes DIR/lock and DIR/.parentlock left by a browser that is gone (else
// BiDi never comes up). Throws driver_error(browser_gone) when a live process
// that was started on this profile still holds it. Returns true when
// something was removed.
bool remove_stale_lock(const std::string& dir);

// Reads and checks a Camoufox fingerprint file; returns its JSON compacted
// and ASCII-only (so chunks can split anywhere). Throws
// driver_error(invalid_profile) "<path>: ..." when unreadable, not JSON, or
// not a JSON object.
std::string read_fingerprint(const std::string& path);

// CAMOU_CONFIG_1..N, each at most chunk_size characters, concatenating to
// config_json (the JS launcher's 32767).
env_list camou_config_env(const std::string& config_json, std::size_t chunk_size = 32767);

}  // namespace camoufleet::bidi
