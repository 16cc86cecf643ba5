// Names of the setting enums and the one-line summary of the settings for
// log lines and /health (never a key, only how many); the browser kind an
// executable's name suggests; the process environment for main().
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "config/settings_parser.hpp"
#include "config/text.hpp"

namespace camoufleet::config {

std::optional<std::string> process_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

const char* to_string(display_mode m) {
  switch (m) {
    case display_mode::headless: return "headless";
    case display_mode::visible: return "debug";
    case display_mode::virtual_display: return "virtual-display";
  }
  return "?";
}

const char* to_string(isolation i) {
  return i == isolation::context ? "context" : "process";
}

const char* to_string(browser_kind k) {
  switch (k) {
    case browser_kind::chromium: return "chromium";
    case browser_kind::firefox: return "firefox";
    case browser_kind::camoufox: return "camoufox";
  }
  return "?";
}

browser_kind detect_browser_kind(const std::string& executable) {
  std::string name = to_lower(std::filesystem::path(executable).filename().string());
  if (name.find("camoufox") != std::string::npos) return browser_kind::camoufox;
  if (name.find("firefox") != std::string::npos) return browser_kind::firefox;
  return browser_kind::chromium;
}

bool headless_only_browser(const std::string& executable) {
  const std::string name = to_lower(std::filesystem::path(executable).filename().string());
  return name.find("headless-shell") != std::string::npos || name.find("headless_shell") != std::string::npos;
}

std::string describe(const settings& s) {
  std::ostringstream out;
  if (s.cmd == command::login) {
    out << "login: save_as=" << s.login_save_as << " saved_dir=" << s.saved_dir
        << " activate=" << (s.login_activate ? "yes" : "no")
        << " timeout=" << s.login_timeout.count() << "s ";
  }
  if (s.cmd == command::node) {
    out << "mode=node node_id=" << s.node_id << " head=" << s.head_host << ":" << s.head_port;
  } else {
    out << "mode=" << (s.ws_endpoint.empty() ? (s.multi ? "multi" : "single") : "attach")
        << " listen=" << s.host << ":" << s.port;
    if (s.node_listen_port >= 0) out << " node_listen=" << s.node_listen_host << ":" << s.node_listen_port;
  }
  out << " auth_dir=" << s.auth_dir
      << " browser=" << s.browser << " (" << to_string(s.kind) << ", " << to_string(s.display)
      << ") isolation=" << to_string(s.isolate);
  if (s.isolate == isolation::context) out << " accounts_per_browser=" << s.accounts_per_browser;
  if (s.spare_browsers > 0) out << " spare_browsers=" << s.spare_browsers;
  out << " page_recycle_after=" << s.page_recycle_after;
  out << " responses_store_mb=" << s.responses_store_mb;
  if (s.max_open_per_key > 0) out << " max_open_per_key=" << s.max_open_per_key;
  if (!s.responses_store_file.empty()) out << " responses_store_file=" << s.responses_store_file;
  out << " base_port=" << s.base_port << " site_url=" << s.site_url
      << " api_keys=" << s.api_keys.size();
  const auto list = [&out](const char* name, const std::vector<std::string>& items) {
    if (items.empty()) return;
    out << ' ' << name << '=';
    for (std::size_t i = 0; i < items.size(); ++i) out << (i ? "," : "") << items[i];
  };
  list("cors_origins", s.cors_origins);
  list("allowed_hosts", s.allowed_hosts);
  std::vector<std::string> aliases;
  for (const auto& [name, model] : s.model_aliases) aliases.push_back(name + "=" + model);
  list("model_aliases", aliases);
  out << " queue_limit=" << s.queue_limit << " queue_timeout=" << s.queue_timeout.count() << "s"
      << " request_timeout=" << s.request_timeout.count() << "s"
      << " max_retries=" << s.max_retries << " log_level=" << s.log_level
      << " log_format=" << s.log_format;
  if (!s.node_secret_file.empty()) out << " node_secret=yes";
  if (!s.node_tls_cert.empty()) out << " node_tls=yes";
  return out.str();
}

}  // namespace camoufleet::config
