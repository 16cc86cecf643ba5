#pragma once
// Loading a Playwright storageState (the auth profile) into a BiDi browser:
// cookies through storage.setCookie in the site's partition, localStorage
// seeded by a preload script before the site's own scripts run.

#include <chrono>
#include <string>
#include <vector>

#include "browser/bidi/session.hpp"
#include "browser/storage_state.hpp"

namespace camoufleet::bidi {

using core::driver_error;
using core::failure_kind;

// A preload function (no arguments) that writes each origin's items into
// localStorage, only in documents of that origin. Pure, for tests.
std::string local_storage_seed_script(const std::vector<browser::origin_storage>& origins);

// Sets every cookie in site_origin's partition ("https://aistudio.google.com")
// and adds the seed preload script for the top-level contexts (empty = all).
// Returns the preload script id ("" when there is no localStorage): remove
// it after the first page load, so that the site's own later writes stand.
// Throws driver_error.
std::string load_storage_state(session& s, const browser::storage_state& state, const std::string& site_origin,
                               const std::vector<std::string>& contexts, std::chrono::milliseconds timeout);

}  // namespace camoufleet::bidi
