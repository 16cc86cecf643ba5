#include "config/settings_parser.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <system_error>

#include "config/dotenv.hpp"
#include "config/key_file.hpp"
#include "config/node_settings.hpp"
#include "config/tool_settings.hpp"
#include "config/text.hpp"

#ifndef CAMOUFLEET_VERSION
#define CAMOUFLEET_VERSION "0.0.0"
#endif
#ifndef CAMOUFLEET_COMMIT
#define CAMOUFLEET_COMMIT "unknown"
#endif

namespace camoufleet::config {

namespace {

namespace fs = std::filesystem;

constexpr const char* default_key_file = "auth_profiles/key.txt";

// Thrown inside the parser only; parse_settings turns it into exit code 2.
struct bad_setting {
  std::string line;
};

struct problem {
  std::string flag;
  std::string text;  // starts with the flag
};

enum class origin { none, dotenv, env, cli };

// One setting's text before conversion, and where it came from, so an error
// can point at the place the user has to fix.
struct raw_value {
  std::string text;
  origin from = origin::none;
  std::string env_name;
};

struct option_def {
  const char* flag;
  const char* env;  // nullptr: command line only
  const char* type;
  std::string default_text;  // shown in --help
  const char* help;
  const char* group;
};

std::string seconds_text(std::chrono::seconds s) { return std::to_string(s.count()); }

// The one table of value options; defaults come from settings{} so --help
// can never disagree with the struct.
std::vector<option_def> value_options() {
  const settings d;
  return {
      {"--host", "CAMOUFLEET_HOST", "ADDR", d.host, "Address the API listens on", "Server"},
      {"--port", "PORT", "PORT", std::to_string(d.port), "API port (0: any free port, printed at start)", "Server"},
      {"--api-keys", "CAMOUFLEET_API_KEYS_FILE", "FILE",
       std::string(default_key_file) + " if present",
       "Accepted API keys, one per line (# comments); no file = no auth", "Server"},
      {"--http-threads", "CAMOUFLEET_HTTP_THREADS", "N", std::to_string(d.http_threads),
       "HTTP worker threads, 1-64", "Server"},
      {"--max-request-bytes", "CAMOUFLEET_MAX_REQUEST_BYTES", "BYTES", "4M",
       "Largest request body (k/M/G suffixes), 1k-1G", "Server"},
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
      {"--browser-kind", "CAMOUFLEET_BROWSER_KIND", "chromium|firefox|camoufox", "from --browser's name",
       "chromium speaks CDP; firefox and camoufox speak WebDriver BiDi",
       "Browser"},
      {"--isolation", "CAMOUFLEET_ISOLATION", "process|context", "process",
       "process: a browser per profile; context: profiles share a Chromium, one isolated "
       "context each (one fault domain)", "Browser"},
      {"--accounts-per-browser", "CAMOUFLEET_ACCOUNTS_PER_BROWSER", "N",
       std::to_string(d.accounts_per_browser),
       "Profiles one browser hosts with --isolation context, 1-64", "Browser"},
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
      {"--tool-mode", "CAMOUFLEET_TOOL_MODE", "auto|native|emulated", d.tool_mode,
       "Function calling: the page's own (native), described in the prompt (emulated), or "
       "native where the page has it (auto)", "Tools"},
      {"--image-urls", "CAMOUFLEET_IMAGE_URLS", "refuse|fetch", d.image_urls,
       "http:// image URLs in messages: refused with 400, or fetched (https is always refused)",
       "Tools"},
      {"--image-fetch-max-bytes", "CAMOUFLEET_IMAGE_FETCH_MAX_BYTES", "BYTES", "8M",
       "Largest image fetched from a URL", "Tools"},
      {"--image-fetch-timeout", "CAMOUFLEET_IMAGE_FETCH_TIMEOUT", "SECONDS",
       seconds_text(d.image_fetch_timeout), "Time limit to fetch one image URL", "Tools"},
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

const char* const display_flags[] = {"--headless", "--debug", "--virtual-display"};

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return std::string(trim(s));
}

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

// Where a value came from, appended to an error when it was not typed on the
// command line: the user must know which file or variable to edit.
std::string source_note(const raw_value& v, const std::string& dotenv_path) {
  switch (v.from) {
    case origin::env: return " (from environment variable " + v.env_name + ")";
    case origin::dotenv: return " (from " + v.env_name + " in " + dotenv_path + ")";
    default: return "";
  }
}

enum class int_status { ok, not_a_number, too_big };

int_status parse_integer(std::string_view s, long long& out) {
  s = trim(s);
  if (s.empty()) return int_status::not_a_number;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc::result_out_of_range) return int_status::too_big;
  if (ec != std::errc{} || end != s.data() + s.size()) return int_status::not_a_number;
  return int_status::ok;
}

int_status parse_scaled(std::string_view s, long long& out,
                        const std::map<char, long long>& units) {
  s = trim(s);
  long long factor = 1;
  if (!s.empty()) {
    auto u = units.find(s.back());
    if (u != units.end()) {
      factor = u->second;
      s.remove_suffix(1);
    }
  }
  auto st = parse_integer(s, out);
  if (st != int_status::ok) return st;
  if (out > LLONG_MAX / factor || out < LLONG_MIN / factor) return int_status::too_big;
  out *= factor;
  return int_status::ok;
}

std::optional<bool> parse_bool(const std::string& s) {
  auto v = to_lower(trim(s));
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return std::nullopt;
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

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

bool is_loopback_host(const std::string& host) {
  return starts_with(host, "127.") || host == "localhost" || host == "::1" || host == "[::1]";
}

// Checked once the keys are loaded: an API anyone on the network can use
// spends every account, so it takes an explicit flag.
std::optional<problem> open_api_problem(const settings& s) {
  if (s.cmd != command::serve || is_loopback_host(s.host) || !s.api_keys.empty() ||
      s.allow_open_api)
    return std::nullopt;
  return problem{"--host", "--host: " + s.host +
                               " is not a loopback address and no API keys are set, so anyone "
                               "who reaches it could use every account; set keys with "
                               "--api-keys, or pass --allow-open-api if that is intended"};
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
  if (auto p = out_of_range("--http-threads", s.http_threads, 1, 64)) return p;
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

std::string help_footer() {
  return "Every option can also come from the environment variable shown with it, or from a\n"
         "KEY=VALUE line in ./.env. Precedence: command line > environment > .env > default.\n"
         "MULTI_INSTANCE_MODE=true|false|1|0 is --multi; CAMOUFLEET_DISPLAY=headless|debug|\n"
         "virtual-display picks the display mode.\n\n"
         "Get a profile: camoufleet login --save-as NAME [--activate] (opens a visible browser\n"
         "unless --headless is given), or export a Playwright storageState into --auth-dir.";
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> words;
  std::istringstream in(s);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// CLI11's messages name its internals ("1 required PORT missing"); say what
// the user did wrong instead.
std::string reword(const CLI::ParseError& e) {
  std::string what = one_line(e.what());
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    auto colon = what.find(": ");
    auto words = split_words(colon == std::string::npos ? what : what.substr(colon + 2));
    std::reverse(words.begin(), words.end());  // CLI11 lists them last first
    std::string list;
    for (const auto& w : words) list += (list.empty() ? "" : " ") + w;
    bool options = !words.empty() && words.front().rfind('-', 0) == 0;
    const char* noun = options ? "unknown option" : "unexpected argument";
    return std::string(noun) + (words.size() > 1 ? "s " : " ") + list;
  }
  if (dynamic_cast<const CLI::ConversionError*>(&e)) {
    // "Could not convert: --multi = maybe"
    auto colon = what.find(": ");
    auto eq = what.find(" = ");
    if (colon != std::string::npos && eq != std::string::npos && eq > colon) {
      return what.substr(colon + 2, eq - colon - 2) + ": " + in_quotes(what.substr(eq + 3)) +
             " is not true or false";
    }
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) && what.find(" missing") != std::string::npos) {
    // "--port: 1 required PORT missing"
    return what.substr(0, what.find(':')) + ": needs a value";
  }
  return what;
}

class settings_reader {
 public:
  settings_reader(const env_lookup& getenv, std::string dotenv_path)
      : getenv_(getenv), dotenv_path_(std::move(dotenv_path)) {}

  parse_result run(int argc, const char* const* argv) {
    CLI::App app{"camoufleet: one OpenAI-compatible API over a fleet of logged-in browsers",
                 "camoufleet"};
    app.set_help_flag("-h,--help", "Print this help and exit");
    app.set_version_flag("--version", std::string("camoufleet ") + CAMOUFLEET_VERSION +
                                          " (commit " + CAMOUFLEET_COMMIT + ")");
    app.get_formatter()->column_width(40);
    app.footer(help_footer());

    for (const auto& def : value_options()) add_value_option(app, def);
    add_flag(app, "--multi", "One browser per profile in --auth-dir (env MULTI_INSTANCE_MODE)",
             "Fleet");
    add_flag(app, "--allow-open-api",
             "Serve a non-loopback --host without API keys (otherwise refused)", "Server");
    add_flag(app, "--headless", "Browsers without a window [default]", "Browser");
    add_flag(app, "--debug", "Browsers with a visible window", "Browser");
    add_flag(app, "--virtual-display", "Browsers in a virtual X display (Xvfb)", "Browser");

    CLI::App* login = app.add_subcommand(
        "login", "Open the site in a browser, wait for you to sign in, save the profile");
    login->fallthrough();  // the browser options before or after `login` both apply
    login->set_help_flag("-h,--help", "Print this help and exit");
    login->footer(help_footer());
    for (const auto& def : login_options()) add_value_option(*login, def);
    add_flag(*login, "--activate", "Also copy the profile into --auth-dir so it is served",
             "Login");

    CLI::App* node = app.add_subcommand(
        "node", "Run browsers for the profiles in --auth-dir and join them to a head");
    node->fallthrough();
    node->set_help_flag("-h,--help", "Print this help and exit");
    for (const auto& def : node_options()) add_value_option(*node, def);

    parse_result result;
    try {
      std::vector<std::string> args;
      for (int i = argc - 1; i >= 1; --i) args.emplace_back(argv[i] ? argv[i] : "");
      app.parse(args);  // CLI11 wants them reversed
    } catch (const CLI::CallForHelp&) {
      result.output = app.help();
      result.exit_now = true;
      return result;
    } catch (const CLI::CallForAllHelp&) {
      result.output = app.help("", CLI::AppFormatMode::All);
      result.exit_now = true;
      return result;
    } catch (const CLI::CallForVersion& e) {
      result.output = std::string(e.what()) + "\n";
      result.exit_now = true;
      return result;
    } catch (const CLI::ParseError& e) {
      throw bad_setting{reword(e) + " (see camoufleet --help)"};
    }

    if (!dotenv_path_.empty()) {
      auto env_file = load_dotenv(dotenv_path_);
      if (!env_file.error.empty()) throw bad_setting{dotenv_path_ + ": " + env_file.error};
      dotenv_ = std::move(env_file.values);
    }

    settings& s = result.value;
    s.cmd = login->parsed() ? command::login : node->parsed() ? command::node : command::serve;
    read_values(s);
    if (auto p = find_problem(s)) throw bad_setting{p->text + note_for(p->flag)};
    check_files(s, result.warnings);
    s.allow_open_api = on_cli("--allow-open-api") && flag_values_["--allow-open-api"];
    if (auto p = open_api_problem(s)) throw bad_setting{p->text + note_for(p->flag)};
    return result;
  }

 private:
  void add_value_option(CLI::App& app, const option_def& def) {
    std::string help = def.help;
    if (def.env) help += std::string(" (env ") + def.env + ")";
    auto* opt = app.add_option(def.flag, cli_text_[def.flag], help);
    opt->type_name(def.type)
        ->default_str(def.default_text)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
        ->group(def.group);
    cli_opts_[def.flag] = opt;
    if (def.env) env_names_[def.flag] = def.env;
  }

  void add_flag(CLI::App& app, const char* flag, const char* help, const char* group) {
    // A bool target makes `--multi=false` mean false rather than "given".
    cli_opts_[flag] = app.add_flag(flag, flag_values_[flag], help)->group(group);
  }

  bool on_cli(const std::string& flag) const {
    auto it = cli_opts_.find(flag);
    return it != cli_opts_.end() && it->second->count() > 0;
  }

  std::optional<raw_value> lookup_env(const std::string& name) const {
    // Empty variables count as unset: compose files and shells leave many behind.
    if (getenv_) {
      if (auto v = getenv_(name); v && !v->empty()) return raw_value{*v, origin::env, name};
    }
    auto it = dotenv_.find(name);
    if (it != dotenv_.end() && !it->second.empty()) {
      return raw_value{it->second, origin::dotenv, name};
    }
    return std::nullopt;
  }

  std::optional<raw_value> lookup(const std::string& flag) {
    std::optional<raw_value> found;
    if (on_cli(flag)) {
      found = raw_value{cli_text_[flag], origin::cli, ""};
    } else if (auto env = env_names_.find(flag); env != env_names_.end()) {
      found = lookup_env(env->second);
    }
    if (found) used_[flag] = *found;
    return found;
  }

  std::string note_for(const std::string& flag) const {
    auto it = used_.find(flag);
    return it == used_.end() ? "" : source_note(it->second, dotenv_path_);
  }

  [[noreturn]] void fail(const std::string& flag, const raw_value& v, const std::string& why) {
    throw bad_setting{flag + ": " + in_quotes(v.text) + " " + why + source_note(v, dotenv_path_)};
  }

  void read_string(const std::string& flag, std::string& target) {
    if (auto v = lookup(flag)) target = std::string(trim(v->text));
  }

  long long read_number(const std::string& flag, long long current,
                        const std::map<char, long long>& units, const char* what) {
    auto v = lookup(flag);
    if (!v) return current;
    long long out = 0;
    switch (parse_scaled(v->text, out, units)) {
      case int_status::ok: return out;
      case int_status::too_big: fail(flag, *v, "is out of range");
      case int_status::not_a_number: break;
    }
    fail(flag, *v, std::string("is not ") + what);
  }

  void read_int(const std::string& flag, int& target) {
    long long v = read_number(flag, target, {}, "a whole number");
    if (v < INT_MIN || v > INT_MAX) fail(flag, used_[flag], "is out of range");
    target = static_cast<int>(v);
  }

  void read_seconds(const std::string& flag, std::chrono::seconds& target) {
    static const std::map<char, long long> units{{'s', 1}, {'m', 60}, {'h', 3600}};
    target = std::chrono::seconds(
        read_number(flag, target.count(), units, "a number of seconds (like 30, 5m, 1h)"));
  }

  void read_bytes(const std::string& flag, std::size_t& target) {
    static const std::map<char, long long> units{
        {'k', 1024}, {'K', 1024}, {'m', 1 << 20}, {'M', 1 << 20}, {'g', 1 << 30}, {'G', 1 << 30}};
    long long v = read_number(flag, static_cast<long long>(target), units,
                              "a size in bytes (like 65536, 64k, 4M)");
    if (v < 0) fail(flag, used_[flag], "is out of range");
    target = static_cast<std::size_t>(v);
  }

  void read_values(settings& s) {
    read_multi(s);
    read_display(s);
    read_string("--host", s.host);
    read_int("--port", s.port);
    read_string("--auth-dir", s.auth_dir);
    read_string("--saved-dir", s.saved_dir);
    const bool browser_given = lookup("--browser").has_value();
    read_string("--browser", s.browser);
    read_kind(s, browser_given);
    read_int("--base-port", s.base_port);
    read_isolation(s);
    read_int("--accounts-per-browser", s.accounts_per_browser);
    read_string("--site-url", s.site_url);
    read_string("--site-file", s.site_file);
    read_string("--profile-root", s.profile_root);
    read_seconds("--monitor-interval", s.monitor_interval);
    read_seconds("--request-timeout", s.request_timeout);
    read_seconds("--queue-timeout", s.queue_timeout);
    read_int("--queue-limit", s.queue_limit);
    read_int("--max-retries", s.max_retries);
    read_string("--ws-endpoint", s.ws_endpoint);
    if (auto v = lookup("--log-level")) s.log_level = to_lower(trim(v->text));
    read_seconds("--shutdown-grace", s.shutdown_grace);
    read_seconds("--rate-limit-cooldown", s.rate_limit_cooldown);
    read_seconds("--quota-cooldown", s.quota_cooldown);
    read_bytes("--max-request-bytes", s.max_request_bytes);
    read_int("--http-threads", s.http_threads);
    if (auto v = lookup("--tool-mode")) s.tool_mode = to_lower(trim(v->text));
    if (auto v = lookup("--image-urls")) s.image_urls = to_lower(trim(v->text));
    read_bytes("--image-fetch-max-bytes", s.image_fetch_max_bytes);
    read_seconds("--image-fetch-timeout", s.image_fetch_timeout);
    if (auto err = apply_tool_settings(s); !err.empty()) throw bad_setting{err};
    read_string("--node-listen", s.node_listen);
    read_string("--node-secret-file", s.node_secret_file);
    read_string("--node-tls-cert", s.node_tls_cert);
    read_string("--node-tls-key", s.node_tls_key);
    read_string("--node-tls-ca", s.node_tls_ca);
    if (s.cmd == command::node) {
      read_string("--head", s.head);
      read_string("--node-id", s.node_id);
      s.multi = true;  // a node runs one instance per profile, like --multi
    }
    if (auto err = apply_node_settings(s); !err.empty()) throw bad_setting{err};
    if (s.cmd == command::login) {
      read_string("--save-as", s.login_save_as);
      // "alice.json" is what people type after looking at the directory.
      const std::string ext = ".json";
      auto& n = s.login_save_as;
      if (n.size() > ext.size() && n.compare(n.size() - ext.size(), ext.size(), ext) == 0) {
        n.resize(n.size() - ext.size());
      }
      s.login_activate = on_cli("--activate") && flag_values_["--activate"];
      read_seconds("--timeout", s.login_timeout);
    }
  }

  void read_multi(settings& s) {
    if (on_cli("--multi")) {
      s.multi = flag_values_["--multi"];
      used_["--multi"] = raw_value{"", origin::cli, ""};
      return;
    }
    if (auto v = lookup_env("MULTI_INSTANCE_MODE")) {
      auto b = parse_bool(v->text);
      if (!b) {
        throw bad_setting{"--multi: " + in_quotes(v->text) + " is not true, false, 1 or 0" +
                          source_note(*v, dotenv_path_)};
      }
      s.multi = *b;
      used_["--multi"] = *v;
    }
  }

  void read_display(settings& s) {
    std::vector<std::string> given;
    for (auto f : display_flags) {
      if (on_cli(f) && flag_values_[f]) given.emplace_back(f);
    }
    if (given.size() > 1) {
      throw bad_setting{given[0] + " and " + given[1] +
                        " cannot be combined: pick one of --headless, --debug, --virtual-display"};
    }
    if (given.size() == 1) {
      s.display = given[0] == "--headless" ? display_mode::headless
                  : given[0] == "--debug"  ? display_mode::visible
                                           : display_mode::virtual_display;
      return;
    }
    if (auto v = lookup_env("CAMOUFLEET_DISPLAY")) {
      auto m = to_lower(trim(v->text));
      if (m == "headless") {
        s.display = display_mode::headless;
      } else if (m == "debug" || m == "visible") {
        s.display = display_mode::visible;
      } else if (m == "virtual-display" || m == "virtual_display" || m == "xvfb") {
        s.display = display_mode::virtual_display;
      } else {
        throw bad_setting{"--headless/--debug/--virtual-display: " + in_quotes(v->text) +
                          " is not headless, debug or virtual-display" +
                          source_note(*v, dotenv_path_)};
      }
      return;
    }
    // Nobody can sign in to a window they cannot see.
    if (s.cmd == command::login) s.display = display_mode::visible;
  }

  void read_isolation(settings& s) {
    auto v = lookup("--isolation");
    if (!v) return;
    auto m = to_lower(trim(v->text));
    if (m == "process") {
      s.isolate = isolation::process;
    } else if (m == "context") {
      s.isolate = isolation::context;
    } else {
      fail("--isolation", *v, "is not process or context");
    }
  }

  // The kind: --browser-kind (cdp and bidi are the old names of chromium and
  // firefox), else from the executable's name. A kind without --browser
  // names its usual executable.
  void read_kind(settings& s, bool browser_given) {
    auto v = lookup("--browser-kind");
    if (!v) {
      s.kind = detect_browser_kind(s.browser);
      return;
    }
    auto k = to_lower(trim(v->text));
    if (k == "chromium" || k == "cdp") {
      s.kind = browser_kind::chromium;
    } else if (k == "firefox" || k == "bidi") {
      s.kind = browser_kind::firefox;
      if (!browser_given) s.browser = "firefox-esr";
    } else if (k == "camoufox") {
      s.kind = browser_kind::camoufox;
      if (!browser_given) s.browser = "camoufox";
    } else {
      fail("--browser-kind", *v, "is not chromium, firefox or camoufox");
    }
  }

  // File system facts, checked after the values themselves are sound.
  void check_files(settings& s, std::vector<std::string>& warnings) {
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
  static void warn_shared_profiles(const std::string& dir, std::vector<std::string>& warnings) {
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

  void load_keys(settings& s, std::vector<std::string>& warnings) {
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

  const env_lookup& getenv_;
  std::string dotenv_path_;
  std::map<std::string, std::string> dotenv_;
  std::map<std::string, std::string> cli_text_;
  std::map<std::string, bool> flag_values_;
  std::map<std::string, CLI::Option*> cli_opts_;
  std::map<std::string, std::string> env_names_;
  std::map<std::string, raw_value> used_;
};

}  // namespace

parse_result parse_settings(int argc, const char* const* argv, const env_lookup& getenv,
                            const std::string& dotenv_path) {
  try {
    settings_reader reader(getenv, dotenv_path);
    return reader.run(argc, argv);
  } catch (const bad_setting& e) {
    parse_result r;
    r.exit_code = 2;
    r.exit_now = true;
    r.output = "error: " + one_line(e.line) + "\n";
    return r;
  } catch (const std::exception& e) {
    parse_result r;
    r.exit_code = 2;
    r.exit_now = true;
    r.output = "error: " + one_line(e.what()) + "\n";
    return r;
  }
}

std::string validate(const settings& s) {
  auto p = find_problem(s);
  if (!p) p = open_api_problem(s);
  return p ? p->text : std::string{};
}

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
  std::string name = to_lower(fs::path(executable).filename().string());
  if (name.find("camoufox") != std::string::npos) return browser_kind::camoufox;
  if (name.find("firefox") != std::string::npos) return browser_kind::firefox;
  return browser_kind::chromium;
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
  out << " base_port=" << s.base_port << " site_url=" << s.site_url
      << " api_keys=" << s.api_keys.size() << " queue_limit=" << s.queue_limit
      << " queue_timeout=" << s.queue_timeout.count() << "s"
      << " request_timeout=" << s.request_timeout.count() << "s"
      << " max_retries=" << s.max_retries << " log_level=" << s.log_level;
  if (!s.node_secret_file.empty()) out << " node_secret=yes";
  if (!s.node_tls_cert.empty()) out << " node_tls=yes";
  return out.str();
}

}  // namespace camoufleet::config
