#include "site/site_profile.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "core/chat.hpp"
#include "core/text.hpp"

#ifndef CAMOUFLEET_SITE_FILE
#define CAMOUFLEET_SITE_FILE "site/aistudio.json"
#endif

namespace camoufleet::site {
namespace {

using nlohmann::json;

// Walks the document by dotted key paths so that a missing key is reported
// as "selectors.run_button" rather than as a bare type error.
class reader {
 public:
  reader(const json& root, const std::string& source) : root_(root), source_(source) {}

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw driver_error(failure_kind::site_error,
                       "site file " + source_ + ": key '" + key + "' " + why);
  }

  const json& at(const std::string& key) const {
    const json* node = &root_;
    std::size_t start = 0;
    while (start <= key.size()) {
      auto dot = key.find('.', start);
      auto part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!node->is_object() || !node->contains(part)) fail(key, "is missing");
      node = &(*node)[part];
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return *node;
  }

  std::string str(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_string()) fail(key, "must be a string");
    return v.get<std::string>();
  }

  std::vector<std::string> strs(const std::string& key) const {
    const auto& v = at(key);
    // A single selector is accepted where a list is expected.
    if (v.is_string()) return {v.get<std::string>()};
    if (!v.is_array() || v.empty()) fail(key, "must be a non-empty list of strings");
    std::vector<std::string> out;
    for (const auto& e : v) {
      if (!e.is_string()) fail(key, "must be a list of strings");
      out.push_back(e.get<std::string>());
    }
    return out;
  }

  int integer(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_number_integer()) fail(key, "must be an integer");
    return v.get<int>();
  }

  // {"<integer code>": "name", ...}, non-empty.
  std::map<int, std::string> code_map(const std::string& key) const {
    const auto& v = at(key);
    if (!v.is_object() || v.empty()) fail(key, "must be a non-empty object");
    std::map<int, std::string> out;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!it.value().is_string()) fail(key + "." + it.key(), "must be a string");
      try {
        out[std::stoi(it.key())] = it.value().get<std::string>();
      } catch (const std::exception&) {
        fail(key + "." + it.key(), "is not a number");
      }
    }
    return out;
  }

  std::chrono::milliseconds ms(const std::string& key, std::chrono::milliseconds fallback) const {
    const auto& t = root_.find("timeouts_ms");
    if (t == root_.end() || !t->is_object() || !t->contains(key.substr(key.find('.') + 1)))
      return fallback;
    int v = integer(key);
    if (v <= 0) fail(key, "must be positive");
    return std::chrono::milliseconds(v);
  }

 private:
  const json& root_;
  std::string source_;
};

}  // namespace

bool site_profile::is_login_url(const std::string& url) const {
  for (const auto& p : login_url_patterns)
    if (!p.empty() && url.find(p) != std::string::npos) return true;
  return false;
}

std::string site_profile::classify_error_text(const std::string& text) const {
  auto t = core::to_lower(text);
  for (const auto& p : quota_patterns)
    if (!p.empty() && t.find(core::to_lower(p)) != std::string::npos) return "quota";
  for (const auto& p : rate_limit_patterns)
    if (!p.empty() && t.find(core::to_lower(p)) != std::string::npos) return "rate_limit";
  return "";
}

const std::vector<site_selectors::group_entry>& site_selectors::groups() {
  using s = site_selectors;
  static const std::vector<group_entry> all = {
      {"ready", &s::ready},
      {"prompt", &s::prompt},
      {"run_button", &s::run_button},
      {"stop_button", &s::stop_button},
      {"run_spinner", &s::run_spinner},
      {"turn_root", &s::turn_root},
      {"answer_turn", &s::answer_turn},
      {"answer_text", &s::answer_text},
      {"answer_reasoning", &s::answer_reasoning},
      {"turn_edit_button", &s::turn_edit_button},
      {"model_name", &s::model_name},
      {"temperature", &s::temperature},
      {"top_p", &s::top_p},
      {"advanced_settings_toggle", &s::advanced_settings_toggle},
      {"max_output_tokens", &s::max_output_tokens},
      {"stop_token_input", &s::stop_token_input},
      {"stop_token_chip", &s::stop_token_chip},
      {"stop_token_remove", &s::stop_token_remove},
      {"thinking_toggle", &s::thinking_toggle},
      {"manual_budget_toggle", &s::manual_budget_toggle},
      {"thinking_budget", &s::thinking_budget},
      {"thinking_level", &s::thinking_level},
      {"thinking_level_option", &s::thinking_level_option},
      {"quota_callout", &s::quota_callout},
      {"toasts", &s::toasts},
      {"new_chat_button", &s::new_chat_button},
      {"dialog_buttons", &s::dialog_buttons},
      {"temporary_chat_toggle", &s::temporary_chat_toggle},
      {"preference_vote_skip", &s::preference_vote_skip},
  };
  return all;
}

const selector_list& site_selectors::group(const std::string& key) const {
  for (const auto& g : groups())
    if (key == g.key) return this->*(g.list);
  throw std::out_of_range("no selector group " + key);
}

driver_error site_profile::no_match(const std::string& what, const std::string& group) const {
  std::size_t n = 0;
  try {
    n = selectors.group(group).size();
  } catch (const std::out_of_range&) {
  }
  return driver_error(failure_kind::site_error,
                      what + ": site file key \"selectors." + group + "\": none of " +
                          std::to_string(n) + (n == 1 ? " selector" : " selectors") +
                          " matched (" + source + ")");
}

std::string default_site_file() {
  // An installed binary (<prefix>/bin/camoufleet) has its site file in
  // <prefix>/share/camoufleet/site/; a binary in the build tree uses the
  // source tree's.
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto installed = exe.parent_path().parent_path() / "share/camoufleet/site/aistudio.json";
    if (std::filesystem::is_regular_file(installed, ec)) return installed.string();
  }
  return CAMOUFLEET_SITE_FILE;
}

site_profile parse_site_profile(const std::string& json_text, const std::string& source) {
  json root = json::parse(json_text, nullptr, false);
  if (root.is_discarded() || !root.is_object())
    throw driver_error(failure_kind::site_error, "site file " + source + ": not a JSON object");
  reader r(root, source);
  site_profile p;
  p.source = source;
  p.chat_path = r.str("site.chat_path");
  p.login_url_patterns = r.strs("site.login_url_patterns");

  for (const auto& g : site_selectors::groups())
    p.selectors.*(g.list) = r.strs(std::string("selectors.") + g.key);

  p.discard_button_text = r.str("texts.discard_button");
  p.quota_patterns = r.strs("texts.quota_patterns");
  p.rate_limit_patterns = r.strs("texts.rate_limit_patterns");

  p.model_pref_key = r.str("model_preference.local_storage_key");
  p.model_pref_field = r.str("model_preference.field");
  p.model_prefix = r.str("model_preference.prefix");

  p.list_models_pattern = r.str("rpc.list_models");
  p.generate_content_pattern = r.str("rpc.generate_content");

  auto& w = p.wire;
  w.model_role = r.str("wire.model_role");
  w.thought_flag_index = static_cast<std::size_t>(r.integer("wire.thought_flag_index"));
  w.function_call_index = static_cast<std::size_t>(r.integer("wire.function_call_index"));
  w.finish_codes = r.code_map("wire.finish_codes");
  w.error_kinds = r.code_map("wire.error_kinds");
  w.rate_limit_status = r.integer("wire.rate_limit_status");
  w.rate_limit_body = r.str("wire.rate_limit_body");

  p.labels.system = r.str("prompt.system_label");
  p.labels.user = r.str("prompt.user_label");
  p.labels.assistant = r.str("prompt.assistant_label");
  p.labels.separator = r.str("prompt.separator");

  const auto& budgets = r.at("reasoning_budgets");
  if (!budgets.is_object()) r.fail("reasoning_budgets", "must be an object");
  for (const char* level : {"low", "medium", "high"}) {
    p.reasoning_budgets[level] = r.integer(std::string("reasoning_budgets.") + level);
    p.thinking_levels[level] = r.str(std::string("thinking_levels.") + level);
  }

  auto& t = p.timeouts;
  t.navigation = r.ms("timeouts_ms.navigation", t.navigation);
  t.ready = r.ms("timeouts_ms.ready", t.ready);
  t.models = r.ms("timeouts_ms.models", t.models);
  t.stream_start = r.ms("timeouts_ms.stream_start", t.stream_start);
  t.first_token = r.ms("timeouts_ms.first_token", t.first_token);
  t.idle = r.ms("timeouts_ms.idle", t.idle);
  t.stop = r.ms("timeouts_ms.stop", t.stop);
  t.poll_interval = r.ms("timeouts_ms.poll_interval", t.poll_interval);
  t.settings = r.ms("timeouts_ms.settings", t.settings);
  t.failure_settle = r.ms("timeouts_ms.failure_settle", t.failure_settle);
  read_tool_selectors(root, source, p);
  return p;
}

site_profile load_site_profile(const std::string& path) {
  const std::string file = path.empty() ? default_site_file() : path;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw driver_error(failure_kind::site_error, "site file " + file + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_site_profile(ss.str(), file);
}

}  // namespace camoufleet::site
