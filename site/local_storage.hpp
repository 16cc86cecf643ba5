#pragma once
// The result of scripts/local_storage.js as the storageState entry of one
// origin (shared by the chat page's write-back and `camoufleet login`).

#include <nlohmann/json.hpp>
#include <optional>

#include "browser/storage_state.hpp"

namespace camoufleet::site {

// nullopt when the page had no real origin ("null", about:blank).
std::optional<browser::origin_storage> origin_storage_from(const nlohmann::json& script_result);

}  // namespace camoufleet::site
