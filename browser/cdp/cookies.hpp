#pragma once
// Cookies as CDP carries them (Network.setCookies, Storage.getCookies).

#include <nlohmann/json.hpp>
#include <vector>

#include "browser/storage_state.hpp"

namespace camoufleet::browser::cdp {

// `cookies` parameter of Network.setCookies / Storage.setCookies.
nlohmann::json to_cdp_cookies(const std::vector<stored_cookie>& cookies);
// From the `cookies` of Network.getAllCookies / Storage.getCookies.
std::vector<stored_cookie> from_cdp_cookies(const nlohmann::json& cookies);

}  // namespace camoufleet::browser::cdp
