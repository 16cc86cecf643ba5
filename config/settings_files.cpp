// The reader's file system checks, made once the values are sound: the
// directories and files named exist, served profiles are private, the API
// keys and the node secret load.
#include <algorithm>
#include <filesystem>
#include <system_error>

#include "config/key_file.hpp"
#include "config/node_settings.hpp"
#include "config/option_table.hpp"
#include "config/settings_reader.hpp"
#include "config/text.hpp"

namespace camoufleet::config {

namespace fs = std::filesystem;

// File system facts, checked after the values themselves are sound.
void settings_reader::check_files(settings& s, std::vector<std::string>& warnings) {
  std::error_code ec;
  bool need_auth_dir = s.cmd != command::login || s.login_activate;
  if (need_auth_dir && !fs::is_directory(s.auth_dir, ec)) {
    throw bad_setting{"--auth-dir: " + s.auth_dir + " is not an existing directory" +
                      note_for("--auth-dir")};
  }
  if (!s.profile_root.empty() && !fs::is_directory(s.profile_root, ec)) {
    throw bad_setting{"--profile-root: " + s.profile_root + " is not an existing directory" +
                      note_for("--profile-root")};
  }
  if (!s.site_file.empty() && !fs::is_regular_file(s.site_file, ec)) {
    throw bad_setting{"--site-file: " + s.site_file + " is not an existing file" +
                      note_for("--site-file")};
  }
  if (s.cmd == command::serve || s.cmd == command::node) warn_shared_profiles(s.auth_dir, warnings);
  if (s.cmd == command::serve) load_keys(s, warnings);
  if (auto err = load_node_secret(s, warnings); !err.empty()) throw bad_setting{err};
}

// Profiles hold session cookies: as secret as a password.
void settings_reader::warn_shared_profiles(const std::string& dir, std::vector<std::string>& warnings) {
  std::error_code ec;
  std::vector<std::string> shared;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& p = it->path();
    if (p.extension() != ".json" || !it->is_regular_file(ec)) continue;
    auto perms = it->status(ec).permissions();
    if ((perms & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
      shared.push_back(p.filename().string());
    }
  }
  if (shared.empty()) return;
  std::sort(shared.begin(), shared.end());
  std::string names;
  for (const auto& n : shared) names += (names.empty() ? "" : ", ") + n;
  warnings.push_back("--auth-dir: " + std::to_string(shared.size()) + " profile file" +
                     (shared.size() > 1 ? "s" : "") + " in " + dir +
                     " can be read by other users (" + names + "); chmod 600 them");
}

void settings_reader::load_keys(settings& s, std::vector<std::string>& warnings) {
  std::error_code ec;
  if (auto v = lookup("--api-keys")) {
    s.api_keys_file = std::string(trim(v->text));  // explicit "" = no auth
  } else if (fs::exists(default_key_file, ec)) {
    s.api_keys_file = default_key_file;
  }
  if (s.api_keys_file.empty()) return;
  auto keys = load_key_file(s.api_keys_file);
  if (!keys.error.empty()) throw bad_setting{"--api-keys: " + keys.error + note_for("--api-keys")};
  s.api_keys = std::move(keys.keys);
  if (keys.shared) {
    warnings.push_back("--api-keys: " + s.api_keys_file +
                       " can be read by other users; chmod 600 it");
  }
}

}  // namespace camoufleet::config
