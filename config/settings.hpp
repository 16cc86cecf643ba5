#pragma once
// Every setting of camoufleet in one plain struct. Reading and validating it
// is config/'s only job (config/settings_parser.*).

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/api_key.hpp"
#include "core/tool_mode.hpp"

namespace camoufleet::config {

enum class display_mode { headless, visible, virtual_display };
// chromium speaks CDP; firefox and camoufox speak WebDriver BiDi.
enum class browser_kind { chromium, firefox, camoufox };
// `camoufleet [serve]` / `camoufleet login ...` / `camoufleet node --head ...`
enum class command { serve, login, node };
// process: a browser per profile; context: profiles share a browser, one
// isolated browser context each (Chromium only; others stay per process).
enum class isolation { process, context };

struct settings {
  command cmd = command::serve;
  bool multi = false;                         // --multi / MULTI_INSTANCE_MODE
  display_mode display = display_mode::headless;
  std::string host = "127.0.0.1";
  int port = 2048;                            // --port / PORT
  std::string auth_dir = "auth_profiles/active";
  std::string browser = "chromium";           // --browser PATH
  browser_kind kind = browser_kind::chromium;  // --browser-kind, else detected from --browser
  int base_port = 9222;
  isolation isolate = isolation::process;     // --isolation process|context
  int accounts_per_browser = 8;               // --accounts-per-browser N (context mode)
  int spare_browsers = 0;                     // --spare-browsers N (warm spares, process mode)
  int page_recycle_after = 500;               // --page-recycle-after N answers (0 = never)
  std::string site_url = "https://aistudio.google.com/prompts/new_chat";
  std::string site_file;                      // driver's site data file ("" = built-in path)
  std::string api_keys_file;                  // "" = none
  std::vector<core::api_key> api_keys;        // loaded from api_keys_file
  std::chrono::seconds monitor_interval{30};
  std::chrono::seconds request_timeout{300};
  std::chrono::seconds queue_timeout{120};
  int queue_limit = 100;
  int max_retries = 2;                         // failover attempts on other instances
  std::string ws_endpoint;                     // CAMOUFOX_WS_ENDPOINT / --ws-endpoint
  std::string log_level = "info";
  std::string log_format = "text";  // --log-format: text | json (config/logging.hpp)
  std::chrono::seconds shutdown_grace{30};
  std::chrono::seconds rate_limit_cooldown{300};    // upstream rests a rate-limited profile 5 min
  std::chrono::seconds quota_cooldown{4 * 3600};    // and one out of quota 4 h
  std::size_t max_request_bytes = 4 * 1024 * 1024;
  int max_open_per_key = 0;     // --max-open-per-key: completions a key may have open (0 = any)
  int responses_store_mb = 64;  // --responses-store-mb: /v1/responses answers kept (0 = none)
  std::string responses_store_file;  // --responses-store-file: kept across restarts ("" = not)
  bool allow_open_api = false;                 // --allow-open-api: non-loopback --host without keys
  int http_threads = 2;
  // --cors-origins: web pages (besides this machine's and the server's own)
  // that may call the API from a browser; each "*", "null" or an origin in
  // its serialised form (core::web_origin::text()).
  std::vector<std::string> cors_origins;
  // --allowed-hosts: names besides IP addresses and localhost that requests
  // may address the server by when no API keys are set (http/host_check.hpp).
  std::vector<std::string> allowed_hosts;
  // --model-alias: other names clients may ask for a site model by
  // (name, model), in the order given; names unique, never "models/...".
  std::vector<std::pair<std::string, std::string>> model_aliases;
  std::string saved_dir = "auth_profiles/saved";  // kept profiles, not served
  std::string profile_root;                    // parent of private browser profile dirs ("" = system temp)
  // `camoufleet login --save-as NAME [--activate] [--timeout S]`
  std::string login_save_as;                   // profile name (file <saved_dir>/NAME.json)
  bool login_activate = false;                 // also copy it into auth_dir
  std::chrono::seconds login_timeout{300};     // how long to wait for the user to sign in
  // Tools and images (issue 17, config/tool_settings.hpp).
  core::tool_mode tool_mode = core::tool_mode::automatic;  // --tool-mode auto|native|emulated
  std::string image_urls = "refuse";           // --image-urls refuse|fetch (http:// and https://)
  std::size_t image_fetch_max_bytes = 8 * 1024 * 1024;  // --image-fetch-max-bytes (per hop)
  std::chrono::seconds image_fetch_timeout{10};          // --image-fetch-timeout (per hop)
  std::string image_fetch_ca_file;             // --image-fetch-ca-file: PEM CAs trusted besides the system's
  // Nodes (issue 19, config/node_settings.hpp). Head: --node-listen ADDR:PORT.
  std::string node_listen;                     // "" = no nodes join
  std::string node_listen_host;                // parsed from node_listen
  int node_listen_port = -1;                   // -1 = off, 0 = any free port
  // `camoufleet node --head HOST:PORT [--node-id ID]`
  std::string head;
  std::string head_host;
  int head_port = 0;
  std::string node_id;                         // "" = the host name
  std::string node_secret_file;                // both sides; "" = loopback nodes only
  std::string node_secret;                     // its content (never logged)
  // TLS between head and nodes: all three or none (CAF's OpenSSL module).
  std::string node_tls_cert;
  std::string node_tls_key;
  std::string node_tls_ca;
};

}  // namespace camoufleet::config
