#include "browser/bidi/firefox_profile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/chat.hpp"

namespace camoufleet::bidi {

using core::driver_error;
using core::failure_kind;

pref_list default_prefs(bool software_webrender) {
  pref_list p = {
      // A blank first tab, no welcome or what's-new pages.
      {"browser.startup.page", "0"},
      {"browser.startup.homepage", "\"about:blank\""},
      {"startup.homepage_welcome_url", "\"about:blank\""},
      {"startup.homepage_welcome_url.additional", "\"\""},
      {"browser.newtabpage.enabled", "false"},
      {"browser.aboutwelcome.enabled", "false"},
      {"browser.shell.checkDefaultBrowser", "false"},
      {"browser.tabs.warnOnClose", "false"},
      {"browser.warnOnQuit", "false"},
      // No session restore and no crash-loop safe mode after a SIGKILL.
      {"browser.sessionstore.resume_from_crash", "false"},
      {"browser.sessionstore.max_resumed_crashes", "0"},
      {"toolkit.startup.max_resumed_crashes", "-1"},
      // Nothing reaches out to Mozilla (offline machines would stall on it).
      {"app.update.disabledForTesting", "true"},
      {"app.update.auto", "false"},
      {"app.normandy.enabled", "false"},
      {"datareporting.policy.dataSubmissionEnabled", "false"},
      {"datareporting.healthreport.uploadEnabled", "false"},
      {"toolkit.telemetry.reportingpolicy.firstRun", "false"},
      {"toolkit.telemetry.enabled", "false"},
      {"browser.safebrowsing.malware.enabled", "false"},
      {"browser.safebrowsing.phishing.enabled", "false"},
      {"browser.safebrowsing.downloads.enabled", "false"},
      {"browser.safebrowsing.update.enabled", "false"},
      {"extensions.update.enabled", "false"},
      {"extensions.getAddons.cache.enabled", "false"},
      {"network.captive-portal-service.enabled", "false"},
      {"network.connectivity-service.enabled", "false"},
      {"browser.ping-centre.telemetry", "false"},
      {"services.settings.server", "\"data:,#remote-settings-dummy/v1\""},
  };
  if (software_webrender) p.emplace_back("gfx.webrender.software", "true");
  return p;
}

std::string user_js_text(const pref_list& prefs) {
  std::string out = "// Written by camoufleet at every launch.\n";
  for (const auto& [name, value] : prefs) {
    out += "user_pref(" + nlohmann::json(name).dump() + ", " + value + ");\n";
  }
  return out;
}

void write_user_js(const std::string& dir, const pref_list& prefs) {
  const std::string path = dir + "/user.js";
  const std::string text = user_js_text(prefs);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int err = errno;
  if (fd >= 0) ::close(fd);
  if (!ok) throw driver_error(failure_kind::browser_gone, "cannot write " + path + ": " + std::strerror(err));
}

namespace {

// True when pid is alive and its command line names dir.
bool process_uses_dir(int pid, const std::string& dir) {
  if (pid <= 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  if (!in) return false;
  // One getline (the arguments are NUL-separated, no newline): unlike an
  // istreambuf_iterator it does not throw when the process exits meanwhile.
  std::string cmdline;
  std::getline(in, cmdline);
  return cmdline.find(dir) != std::string::npos;
}

// Firefox's lock is a symlink to "<ip>:+<pid>".
int lock_owner_pid(const std::string& lock_path) {
  char buf[256];
  ssize_t n = ::readlink(lock_path.c_str(), buf, sizeof buf - 1);
  if (n <= 0) return 0;
  std::string target(buf, static_cast<std::size_t>(n));
  auto plus = target.rfind('+');
  if (plus == std::string::npos) return 0;
  return std::atoi(target.c_str() + plus + 1);
}

}  // namespace

bool remove_stale_lock(const std::string& dir) {
  const std::string lock = dir + "/lock";
  const std::string parentlock = dir + "/.parentlock";
  int owner = lock_owner_pid(lock);
  if (process_uses_dir(owner, dir)) {
    throw driver_error(failure_kind::browser_gone,
                       "profile " + dir + " is in use by running process " + std::to_string(owner));
  }
  bool removed = false;
  for (const auto& path : {lock, parentlock}) {
    if (::unlink(path.c_str()) == 0) {
      removed = true;
    } else if (errno != ENOENT) {
      throw driver_error(failure_kind::browser_gone, "cannot remove stale " + path + ": " + std::strerror(errno));
    }
  }
  return removed;
}

std::string read_fingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw driver_error(failure_kind::invalid_profile,
                       path + ": cannot read the Camoufox fingerprint: " + std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw driver_error(failure_kind::invalid_profile,
                       path + ": the Camoufox fingerprint is not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) {
    throw driver_error(failure_kind::invalid_profile, path + ": the Camoufox fingerprint must be a JSON object");
  }
  return j.dump(-1, ' ', /*ensure_ascii=*/true);
}

env_list camou_config_env(const std::string& config_json, std::size_t chunk_size) {
  env_list env;
  if (chunk_size == 0) chunk_size = 32767;
  for (std::size_t pos = 0, n = 1; pos < config_json.size(); pos += chunk_size, ++n) {
    env.emplace_back("CAMOU_CONFIG_" + std::to_string(n), config_json.substr(pos, chunk_size));
  }
  return env;
}

}  // namespace camoufleet::bidi
