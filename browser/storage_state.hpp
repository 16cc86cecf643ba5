#pragma once
// Playwright storageState files: the auth profile of one browser.
// {"cookies":[{name,value,domain,path,expires,httpOnly,secure,sameSite}],
//  "origins":[{"origin":..., "localStorage":[{"name","value"}]}]}
// Cookie values are secrets: no message built here ever contains one.

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/chat.hpp"

namespace camoufleet::browser {

using core::driver_error;
using core::failure_kind;

struct stored_cookie {
  std::string name;
  std::string value;
  std::string domain;
  std::string path = "/";
  double expires = -1;  // unix seconds; -1 = session cookie
  bool http_only = false;
  bool secure = false;
  std::string same_site;  // "Strict" | "Lax" | "None" | "" (browser default)
};

struct origin_storage {
  std::string origin;  // "https://aistudio.google.com"
  std::vector<std::pair<std::string, std::string>> local_storage;
};

struct storage_state {
  std::vector<stored_cookie> cookies;
  std::vector<origin_storage> origins;
};

struct loaded_storage_state {
  storage_state state;
  // The file can be read by group or others: it holds live session cookies.
  bool too_open = false;
};

// Throws driver_error(invalid_profile); `label` names the file in messages.
storage_state parse_storage_state(const std::string& json_text, const std::string& label);
loaded_storage_state load_storage_state(const std::string& path);

// A browser's sameSite word as a storageState file writes it:
// "Strict" | "Lax" | "None", "" for anything else.
std::string normalize_same_site(const std::string& v);

std::string to_storage_state_json(const storage_state& state);

}  // namespace camoufleet::browser
