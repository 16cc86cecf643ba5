// The value checks: ranges, formats and combinations of settings, without
// the file system; validate() is them alone.
#include "config/settings_checks.hpp"

#include <cctype>
#include <cstddef>

#include "config/settings_parser.hpp"
#include "config/text.hpp"
#include "core/web_origin.hpp"

namespace camoufleet::config {

namespace {

bool valid_profile_name(const std::string& n) {
  if (n.empty() || n.size() > 64 || n.front() == '.' || n.front() == '-') return false;
  for (char c : n) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<problem> out_of_range(const char* flag, long long v, long long lo, long long hi,
                                    const char* unit = "") {
  if (v >= lo && v <= hi) return std::nullopt;
  return problem{flag, std::string(flag) + ": " + std::to_string(v) + " is out of range " +
                           std::to_string(lo) + "-" + std::to_string(hi) + unit};
}

}  // namespace

std::optional<problem> open_api_problem(const settings& s) {
  if (s.cmd != command::serve || core::is_loopback_host(to_lower(s.host)) || !s.api_keys.empty() ||
      s.allow_open_api)
    return std::nullopt;
  return problem{"--host", "--host: " + s.host +
                               " is not a loopback address and no API keys are set, so anyone "
                               "who reaches it could use every account; set keys with "
                               "--api-keys, or pass --allow-open-api if that is intended"};
}

std::optional<problem> per_key_problem(const settings& s) {
  if (s.cmd != command::serve || s.max_open_per_key == 0 || !s.api_keys.empty())
    return std::nullopt;
  return problem{"--max-open-per-key",
                 "--max-open-per-key: it limits each API key, and no keys are set; set them "
                 "with --api-keys"};
}

std::optional<problem> find_problem(const settings& s) {
  if (s.host.empty()) return problem{"--host", "--host: must not be empty"};
  if (auto p = out_of_range("--port", s.port, 0, 65535)) return p;
  if (auto p = out_of_range("--base-port", s.base_port, 1024, 65535)) return p;
  if (s.ws_endpoint.empty() && s.port == s.base_port) {
    return problem{"--port", "--port: " + std::to_string(s.port) +
                                 " is also --base-port, the first browser's DevTools port"};
  }
  if (s.auth_dir.empty()) return problem{"--auth-dir", "--auth-dir: must not be empty"};
  if (s.browser.empty()) return problem{"--browser", "--browser: must not be empty"};
  if (headless_only_browser(s.browser) && (s.display != display_mode::headless || s.cmd == command::login)) {
    return problem{"--browser", "--browser: " + in_quotes(s.browser) +
                                    " has no window, so it serves only with --headless and cannot sign in "
                                    "(camoufleet login needs a browser with a window, e.g. --browser chromium)"};
  }
  if (!starts_with(s.site_url, "http://") && !starts_with(s.site_url, "https://")) {
    return problem{"--site-url",
                   "--site-url: " + in_quotes(s.site_url) + " must start with http:// or https://"};
  }
  if (!s.ws_endpoint.empty()) {
    if (!starts_with(s.ws_endpoint, "ws://") && !starts_with(s.ws_endpoint, "wss://")) {
      return problem{"--ws-endpoint", "--ws-endpoint: " + in_quotes(s.ws_endpoint) +
                                          " must start with ws:// or wss://"};
    }
    if (s.multi) {
      return problem{"--ws-endpoint",
                     "--ws-endpoint: cannot be combined with --multi (one attached browser "
                     "cannot serve several profiles)"};
    }
  }
  if (auto p = out_of_range("--monitor-interval", s.monitor_interval.count(), 1, 3600, " s"))
    return p;
  if (auto p = out_of_range("--request-timeout", s.request_timeout.count(), 1, 86400, " s"))
    return p;
  if (auto p = out_of_range("--queue-timeout", s.queue_timeout.count(), 1, 86400, " s"))
    return p;
  if (auto p = out_of_range("--shutdown-grace", s.shutdown_grace.count(), 0, 3600, " s"))
    return p;
  if (auto p = out_of_range("--rate-limit-cooldown", s.rate_limit_cooldown.count(), 1, 86400,
                            " s"))
    return p;
  if (auto p = out_of_range("--quota-cooldown", s.quota_cooldown.count(), 1, 7 * 86400, " s"))
    return p;
  if (auto p = out_of_range("--queue-limit", s.queue_limit, 0, 1000000)) return p;
  if (auto p = out_of_range("--max-retries", s.max_retries, 0, 10)) return p;
  if (auto p = out_of_range("--accounts-per-browser", s.accounts_per_browser, 1, 64)) return p;
  if (auto p = out_of_range("--spare-browsers", s.spare_browsers, 0, 16)) return p;
  if (auto p = out_of_range("--page-recycle-after", s.page_recycle_after, 0, 1000000)) return p;
  if (auto p = out_of_range("--http-threads", s.http_threads, 1, 64)) return p;
  if (auto p = out_of_range("--responses-store-mb", s.responses_store_mb, 0, 65536)) return p;
  if (auto p = out_of_range("--max-open-per-key", s.max_open_per_key, 0, 10000)) return p;
  if (!s.responses_store_file.empty() && s.responses_store_mb == 0)
    return problem{"--responses-store-file",
                   "--responses-store-file: nothing to keep with --responses-store-mb 0"};
  if (s.max_request_bytes < 1024 || s.max_request_bytes > (std::size_t{1} << 30)) {
    return problem{"--max-request-bytes", "--max-request-bytes: " +
                                              std::to_string(s.max_request_bytes) +
                                              " is out of range 1024-1073741824 bytes"};
  }
  static const char* const levels[] = {"trace", "debug", "info", "warn", "error", "off"};
  bool level_ok = false;
  for (auto l : levels) level_ok = level_ok || s.log_level == l;
  if (!level_ok) {
    return problem{"--log-level", "--log-level: " + in_quotes(s.log_level) +
                                      " is not one of trace, debug, info, warn, error, off"};
  }
  if (s.log_format != "text" && s.log_format != "json")
    return problem{"--log-format",
                   "--log-format: " + in_quotes(s.log_format) + " is not one of text, json"};
  if (s.cmd == command::login) {
    if (s.login_save_as.empty()) {
      return problem{"--save-as", "--save-as: login needs a profile name (login --save-as NAME)"};
    }
    if (!valid_profile_name(s.login_save_as)) {
      return problem{"--save-as", "--save-as: " + in_quotes(s.login_save_as) +
                                      " is not a plain name (letters, digits, . _ -; up to 64)"};
    }
    if (s.saved_dir.empty()) return problem{"--saved-dir", "--saved-dir: must not be empty"};
    if (auto p = out_of_range("--timeout", s.login_timeout.count(), 1, 86400, " s")) return p;
  }
  return std::nullopt;
}

std::string validate(const settings& s) {
  auto p = find_problem(s);
  if (!p) p = open_api_problem(s);
  if (!p) p = per_key_problem(s);
  return p ? p->text : std::string{};
}

}  // namespace camoufleet::config
