// The reader: each flag's value from the command line, the environment or
// .env (in that order), converted to its type with an error that says where
// the bad text came from.
#include "config/settings_reader.hpp"

#include <CLI/CLI.hpp>
#include <cctype>
#include <climits>

#include "config/node_settings.hpp"
#include "config/option_table.hpp"
#include "config/text.hpp"
#include "config/tool_settings.hpp"
#include "core/web_origin.hpp"

namespace camoufleet::config {

std::string source_note(const raw_value& v, const std::string& dotenv_path) {
  switch (v.from) {
    case origin::env: return " (from environment variable " + v.env_name + ")";
    case origin::dotenv: return " (from " + v.env_name + " in " + dotenv_path + ")";
    default: return "";
  }
}

std::optional<raw_value> settings_reader::lookup_env(const std::string& name) const {
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

std::optional<raw_value> settings_reader::lookup(const std::string& flag) {
  std::optional<raw_value> found;
  if (on_cli(flag)) {
    found = raw_value{cli_text_[flag], origin::cli, ""};
  } else if (auto env = env_names_.find(flag); env != env_names_.end()) {
    found = lookup_env(env->second);
  }
  if (found) used_[flag] = *found;
  return found;
}

std::string settings_reader::note_for(const std::string& flag) const {
  auto it = used_.find(flag);
  return it == used_.end() ? "" : source_note(it->second, dotenv_path_);
}

void settings_reader::fail(const std::string& flag, const raw_value& v, const std::string& why) {
  throw bad_setting{flag + ": " + in_quotes(v.text) + " " + why + source_note(v, dotenv_path_)};
}

void settings_reader::read_string(const std::string& flag, std::string& target) {
  if (auto v = lookup(flag)) target = std::string(trim(v->text));
}

long long settings_reader::read_number(const std::string& flag, long long current,
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

void settings_reader::read_int(const std::string& flag, int& target) {
  long long v = read_number(flag, target, {}, "a whole number");
  if (v < INT_MIN || v > INT_MAX) fail(flag, used_[flag], "is out of range");
  target = static_cast<int>(v);
}

void settings_reader::read_seconds(const std::string& flag, std::chrono::seconds& target) {
  static const std::map<char, long long> units{{'s', 1}, {'m', 60}, {'h', 3600}};
  target = std::chrono::seconds(
      read_number(flag, target.count(), units, "a number of seconds (like 30, 5m, 1h)"));
}

void settings_reader::read_bytes(const std::string& flag, std::size_t& target) {
  static const std::map<char, long long> units{
      {'k', 1024}, {'K', 1024}, {'m', 1 << 20}, {'M', 1 << 20}, {'g', 1 << 30}, {'G', 1 << 30}};
  long long v = read_number(flag, static_cast<long long>(target), units,
                            "a size in bytes (like 65536, 64k, 4M)");
  if (v < 0) fail(flag, used_[flag], "is out of range");
  target = static_cast<std::size_t>(v);
}

void settings_reader::read_values(settings& s) {
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
  read_int("--spare-browsers", s.spare_browsers);
  read_int("--page-recycle-after", s.page_recycle_after);
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
  if (auto v = lookup("--log-format")) s.log_format = to_lower(trim(v->text));
  read_seconds("--shutdown-grace", s.shutdown_grace);
  read_seconds("--rate-limit-cooldown", s.rate_limit_cooldown);
  read_seconds("--quota-cooldown", s.quota_cooldown);
  read_bytes("--max-request-bytes", s.max_request_bytes);
  read_int("--responses-store-mb", s.responses_store_mb);
  read_int("--max-open-per-key", s.max_open_per_key);
  read_string("--responses-store-file", s.responses_store_file);
  read_int("--http-threads", s.http_threads);
  read_caller_lists(s);
  read_model_aliases(s);
  if (auto v = lookup("--tool-mode")) {
    const std::string text = to_lower(trim(v->text));
    const auto mode = core::parse_tool_mode(text);
    if (!mode) throw bad_setting{"--tool-mode \"" + text + "\" is not one of auto, native, emulated"};
    s.tool_mode = *mode;
  }
  if (auto v = lookup("--image-urls")) s.image_urls = to_lower(trim(v->text));
  read_bytes("--image-fetch-max-bytes", s.image_fetch_max_bytes);
  read_seconds("--image-fetch-timeout", s.image_fetch_timeout);
  read_string("--image-fetch-ca-file", s.image_fetch_ca_file);
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

void settings_reader::read_multi(settings& s) {
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

void settings_reader::read_display(settings& s) {
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

// Who may call: --cors-origins (each origin kept in the form browsers send)
// and --allowed-hosts; both comma- or space-separated.
void settings_reader::read_caller_lists(settings& s) {
  if (auto v = lookup("--cors-origins")) {
    s.cors_origins.clear();
    for (const auto& entry : split_list(v->text)) {
      if (entry == "*" || entry == "null") {
        s.cors_origins.push_back(entry);
      } else if (auto o = core::parse_origin(entry)) {
        s.cors_origins.push_back(o->text());
      } else {
        fail("--cors-origins", *v,
             "has " + in_quotes(entry) +
                 ", which is not an origin (scheme://host[:port], no path), * or null");
      }
    }
  }
  if (auto v = lookup("--allowed-hosts")) {
    s.allowed_hosts.clear();
    for (auto entry : split_list(v->text)) {
      entry = to_lower(entry);
      if (entry != "*" && !core::is_host_name(entry))
        fail("--allowed-hosts", *v, "has " + in_quotes(entry) + ", which is not a host name or *");
      s.allowed_hosts.push_back(entry);
    }
  }
}

namespace {

// A model id as the site and clients write them: letters, digits and - . _ :
bool model_name(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_' &&
        c != ':')
      return false;
  return true;
}

}  // namespace

// --model-alias NAME=MODEL[,NAME=MODEL...]: comma- or space-separated.
void settings_reader::read_model_aliases(settings& s) {
  auto v = lookup("--model-alias");
  if (!v) return;
  s.model_aliases.clear();
  for (const auto& entry : split_list(v->text)) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos)
      fail("--model-alias", *v, "has " + in_quotes(entry) + ", which is not NAME=MODEL");
    const std::string name = entry.substr(0, eq);
    std::string model = entry.substr(eq + 1);
    if (model.rfind("models/", 0) == 0) model.erase(0, 7);
    for (const auto& part : {name, model})
      if (!model_name(part))
        fail("--model-alias", *v,
             "has " + in_quotes(entry) + ": " + in_quotes(part) +
                 " is not a model name (letters, digits, - . _ :)");
    if (name == model)
      fail("--model-alias", *v, "has " + in_quotes(entry) + ", a model named after itself");
    for (const auto& [known, to] : s.model_aliases)
      if (known == name)
        fail("--model-alias", *v,
             "names " + in_quotes(name) + " twice (" + in_quotes(to) + " and " + in_quotes(model) +
                 ")");
    s.model_aliases.emplace_back(name, model);
  }
}

void settings_reader::read_isolation(settings& s) {
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
void settings_reader::read_kind(settings& s, bool browser_given) {
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

}  // namespace camoufleet::config
