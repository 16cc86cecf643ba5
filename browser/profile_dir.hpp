#pragma once
// The browsers' private profile dirs: made 0700 with their owner recorded,
// removed with their browser, and those of a camoufleet that died by SIGKILL
// removed at the next start. Shared by the Chromium and Firefox launchers.

#include <string>

namespace camoufleet::browser {

// Removes the profile dirs under profile_root ("" = the temp dir) that a
// camoufleet made and that outlived it (killed with SIGKILL): each dir names
// its owner (pid and start time) in a file; dirs whose owner still runs, and
// dirs without that file, are left alone. Returns how many were removed.
int remove_stale_profile_dirs(const std::string& profile_root);

// A fresh private (0700, mkdtemp) dir "camoufleet-<id>-XXXXXX" under root_dir;
// throws driver_error(browser_gone) when it cannot be made.
std::string make_profile_dir(const std::string& root_dir, const std::string& instance_id);
// Removes a profile dir (retrying once: helpers may still write into it).
void remove_dir(const std::string& dir);

}  // namespace camoufleet::browser
