// The option table: every flag with its environment name, type, default,
// help text and group, and the footer --help ends with.
#include "config/option_table.hpp"

#include <chrono>

#include "config/settings.hpp"

namespace camoufleet::config {

namespace {

std::string seconds_text(std::chrono::seconds s) { return std::to_string(s.count()); }

}  // namespace

std::vector<option_def> value_options() {
  const settings d;
  return {
      {"--host", "CAMOUFLEET_HOST", "ADDR", d.host, "Address the API listens on", "Server"},
      {"--port", "PORT", "PORT", std::to_string(d.port),
       "API port (0: any free port, printed at start)", "Server"},
      {"--api-keys", "CAMOUFLEET_API_KEYS_FILE", "FILE",
       std::string(default_key_file) + " if present",
       "Accepted API keys, one per line (# comments); no file = no auth", "Server"},
      {"--http-threads", "CAMOUFLEET_HTTP_THREADS", "N", std::to_string(d.http_threads),
       "HTTP worker threads, 1-64", "Server"},
      {"--cors-origins", "CAMOUFLEET_CORS_ORIGINS", "LIST", "none",
       "Web pages that may call the API from a browser, comma-separated origins "
       "(https://chat.example.com), * for any; pages on this machine and the server's own "
       "always may, other pages get 403",
       "Server"},
      {"--allowed-hosts", "CAMOUFLEET_ALLOWED_HOSTS", "LIST", "none",
       "On loopback without API keys, host names besides IP addresses and localhost that "
       "requests may address the server by (a reverse proxy's public name), comma-separated, "
       "* for any; others get 403 (DNS rebinding)",
       "Server"},
      {"--model-alias", "CAMOUFLEET_MODEL_ALIASES", "LIST", "none",
       "Other names clients may ask for a model by, comma-separated NAME=MODEL "
       "(gpt-4o=gemini-2.5-pro), for clients that only offer OpenAI's model names; "
       "listed in /v1/models beside the model",
       "Server"},
      {"--max-request-bytes", "CAMOUFLEET_MAX_REQUEST_BYTES", "BYTES", "4M",
       "Largest request body (k/M/G suffixes), 1k-1G", "Server"},
      {"--max-open-per-key", "CAMOUFLEET_MAX_OPEN_PER_KEY", "N", "0",
       "Completion requests one API key may have open at once (waiting, answering or in the "
       "background); more get 429 with Retry-After; needs API keys; 0 = no limit, 0-10000",
       "Server"},
      {"--responses-store-mb", "CAMOUFLEET_RESPONSES_STORE_MB", "MB",
       std::to_string(d.responses_store_mb),
       "Memory for /v1/responses answers, so that clients may continue them "
       "(previous_response_id, item_reference) and read them back; oldest forgotten first; "
       "0 = keep none, 0-65536",
       "Server"},
      {"--responses-store-file", "CAMOUFLEET_RESPONSES_STORE_FILE", "PATH", "none",
       "Keep the /v1/responses answers across restarts in this file (written every 30 s "
       "when changed and at shutdown, mode 0600; it holds the conversations); none = in "
       "memory only",
       "Server"},
      {"--auth-dir", "CAMOUFLEET_AUTH_DIR", "DIR", d.auth_dir,
       "Profiles to serve (Playwright storageState *.json); must exist", "Fleet"},
      {"--saved-dir", "CAMOUFLEET_SAVED_DIR", "DIR", d.saved_dir,
       "Where `login` keeps profiles that are not served", "Fleet"},
      {"--ws-endpoint", "CAMOUFOX_WS_ENDPOINT", "URL", "none",
       "Attach to this running browser (ws:// or wss://) instead of launching; not with --multi",
       "Fleet"},
      {"--queue-limit", "CAMOUFLEET_QUEUE_LIMIT", "N", std::to_string(d.queue_limit),
       "Requests allowed to wait for a free instance, >= 0", "Fleet"},
      {"--max-retries", "CAMOUFLEET_MAX_RETRIES", "N", std::to_string(d.max_retries),
       "Failover attempts on other instances, 0-10", "Fleet"},
      {"--browser", "CAMOUFLEET_BROWSER", "PATH", d.browser, "Browser executable", "Browser"},
      {"--browser-kind", "CAMOUFLEET_BROWSER_KIND", "chromium|firefox|camoufox",
       "from --browser's name", "chromium speaks CDP; firefox and camoufox speak WebDriver BiDi",
       "Browser"},
      {"--isolation", "CAMOUFLEET_ISOLATION", "process|context", "process",
       "process: a browser per profile; context: profiles share a Chromium or Firefox, one "
       "isolated context each (one fault domain)",
       "Browser"},
      {"--accounts-per-browser", "CAMOUFLEET_ACCOUNTS_PER_BROWSER", "N",
       std::to_string(d.accounts_per_browser),
       "Profiles one browser hosts with --isolation context, 1-64", "Browser"},
      {"--spare-browsers", "CAMOUFLEET_SPARE_BROWSERS", "N", std::to_string(d.spare_browsers),
       "Warm browsers of --browser-kind (Chromium, Firefox, Camoufox) kept ready to take over a "
       "crashed instance's profile (process isolation), 0-16",
       "Browser"},
      {"--page-recycle-after", "CAMOUFLEET_PAGE_RECYCLE_AFTER", "N",
       std::to_string(d.page_recycle_after),
       "Answers a chat page serves before it is loaded afresh between requests (the memory a "
       "long-lived page keeps given back; out of rotation meanwhile), 0 = never, 0-1000000",
       "Browser"},
      {"--base-port", "CAMOUFLEET_BASE_PORT", "PORT", std::to_string(d.base_port),
       "First DevTools port tried, 1024-65535", "Browser"},
      {"--profile-root", "CAMOUFLEET_PROFILE_ROOT", "DIR", "system temp dir",
       "Parent of the browsers' private profile dirs; must exist", "Browser"},
      {"--site-url", "CAMOUFLEET_SITE_URL", "URL", d.site_url,
       "The chat page (http:// or https://)", "Browser"},
      {"--site-file", "CAMOUFLEET_SITE_FILE", "FILE", "built-in",
       "The driver's site data file (selectors, endpoints)", "Browser"},
      {"--monitor-interval", "CAMOUFLEET_MONITOR_INTERVAL", "SECONDS",
       seconds_text(d.monitor_interval), "Health check period (s/m/h suffixes), 1s-1h", "Timing"},
      {"--request-timeout", "CAMOUFLEET_REQUEST_TIMEOUT", "SECONDS",
       seconds_text(d.request_timeout), "Longest a completion may run, 1s-24h", "Timing"},
      {"--queue-timeout", "CAMOUFLEET_QUEUE_TIMEOUT", "SECONDS", seconds_text(d.queue_timeout),
       "Longest a request waits for a free instance, 1s-24h", "Timing"},
      {"--shutdown-grace", "CAMOUFLEET_SHUTDOWN_GRACE", "SECONDS", seconds_text(d.shutdown_grace),
       "Time in-flight requests get to finish on shutdown, 0-1h", "Timing"},
      {"--rate-limit-cooldown", "CAMOUFLEET_RATE_LIMIT_COOLDOWN", "SECONDS",
       seconds_text(d.rate_limit_cooldown),
       "How long an account rests after the site's rate limit, 1s-24h", "Timing"},
      {"--quota-cooldown", "CAMOUFLEET_QUOTA_COOLDOWN", "SECONDS", seconds_text(d.quota_cooldown),
       "How long an account rests after its quota ran out, 1s-7d", "Timing"},
      {"--log-level", "CAMOUFLEET_LOG_LEVEL", "LEVEL", d.log_level,
       "trace|debug|info|warn|error|off", "Logging"},
      {"--log-format", "CAMOUFLEET_LOG_FORMAT", "text|json", d.log_format,
       "text: a readable line per event; json: one JSON object per line (time, level, logger, "
       "msg) for log collectors",
       "Logging"},
      {"--tool-mode", "CAMOUFLEET_TOOL_MODE", "auto|native|emulated", core::to_string(d.tool_mode),
       "Function calling: the page's own (native), described in the prompt (emulated), or "
       "native where the page has it (auto)",
       "Tools"},
      {"--image-urls", "CAMOUFLEET_IMAGE_URLS", "refuse|fetch", d.image_urls,
       "http(s):// image URLs in messages: refused with 400, or fetched (redirects followed, "
       "certificates checked)",
       "Tools"},
      {"--image-fetch-max-bytes", "CAMOUFLEET_IMAGE_FETCH_MAX_BYTES", "BYTES", "8M",
       "Largest image fetched from a URL (per redirect hop)", "Tools"},
      {"--image-fetch-timeout", "CAMOUFLEET_IMAGE_FETCH_TIMEOUT", "SECONDS",
       seconds_text(d.image_fetch_timeout), "Time limit to fetch one image URL (per redirect hop)",
       "Tools"},
      {"--image-fetch-ca-file", "CAMOUFLEET_IMAGE_FETCH_CA_FILE", "FILE", "none",
       "PEM certificates trusted for https image URLs besides the system's", "Tools"},
      {"--node-listen", "CAMOUFLEET_NODE_LISTEN", "ADDR:PORT", "off",
       "Head: let `camoufleet node`s join here (port 0: any, printed at start)", "Nodes"},
      {"--node-secret-file", "CAMOUFLEET_NODE_SECRET_FILE", "FILE", "none",
       "Shared secret of head and nodes (without it: loopback nodes only)", "Nodes"},
      {"--node-tls-cert", "CAMOUFLEET_NODE_TLS_CERT", "FILE", "none",
       "TLS to and from nodes: this side's certificate (PEM; with key and CA)", "Nodes"},
      {"--node-tls-key", "CAMOUFLEET_NODE_TLS_KEY", "FILE", "none",
       "TLS: this side's private key (PEM)", "Nodes"},
      {"--node-tls-ca", "CAMOUFLEET_NODE_TLS_CA", "FILE", "none",
       "TLS: the CA the other side's certificate must be signed by (PEM)", "Nodes"},
  };
}

std::vector<option_def> node_options() {
  return {
      {"--head", "CAMOUFLEET_HEAD", "HOST:PORT", "required", "The head to join (its --node-listen)",
       "Node"},
      {"--node-id", "CAMOUFLEET_NODE_ID", "ID", "host name",
       "Names this node in instance ids and logs", "Node"},
  };
}

std::vector<option_def> login_options() {
  const settings d;
  return {
      {"--save-as", nullptr, "NAME", "required",
       "Profile name: written to <saved-dir>/NAME.json", "Login"},
      {"--timeout", nullptr, "SECONDS", seconds_text(d.login_timeout),
       "How long to wait for the sign-in, 1s-24h", "Login"},
  };
}

std::string help_footer() {
  return "Every option can also come from the environment variable shown with it, or from a\n"
         "KEY=VALUE line in ./.env. Precedence: command line > environment > .env > default.\n"
         "MULTI_INSTANCE_MODE=true|false|1|0 is --multi; CAMOUFLEET_DISPLAY=headless|debug|\n"
         "virtual-display picks the display mode.\n\n"
         "Get a profile: camoufleet login --save-as NAME [--activate] (opens a visible browser\n"
         "unless --headless is given), or export a Playwright storageState into --auth-dir.";
}

}  // namespace camoufleet::config
