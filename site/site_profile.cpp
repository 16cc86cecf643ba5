#include "site/site_profile.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/chat.hpp"

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

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

bool site_profile::is_login_url(const std::string& url) const {
  for (const auto& p : login_url_patterns)
    if (!p.empty() && url.find(p) != std::string::npos) return true;
  return false;
}

std::string site_profile::classify_error_text(const std::string& text) const {
  auto t = lower(text);
  for (const auto& p : quota_patterns)
    if (!p.empty() && t.find(lower(p)) != std::string::npos) return "quota";
  for (const auto& p : rate_limit_patterns)
    if (!p.empty() && t.find(lower(p)) != std::string::npos) return "rate_limit";
  return "";
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

  auto& s = p.selectors;
  s.ready = r.strs("selectors.ready");
  s.prompt = r.strs("selectors.prompt");
  s.run_button = r.strs("selectors.run_button");
  s.stop_button = r.strs("selectors.stop_button");
  s.turn_root = r.str("selectors.turn_root");
  s.answer_turn = r.str("selectors.answer_turn");
  s.answer_text = r.str("selectors.answer_text");
  s.answer_reasoning = r.str("selectors.answer_reasoning");
  s.turn_edit_button = r.str("selectors.turn_edit_button");
  s.model_name = r.str("selectors.model_name");
  s.temperature = r.str("selectors.temperature");
  s.top_p = r.str("selectors.top_p");
  s.max_output_tokens = r.str("selectors.max_output_tokens");
  s.stop_token_input = r.str("selectors.stop_token_input");
  s.stop_token_chip = r.str("selectors.stop_token_chip");
  s.stop_token_remove = r.str("selectors.stop_token_remove");
  s.thinking_toggle = r.str("selectors.thinking_toggle");
  s.manual_budget_toggle = r.str("selectors.manual_budget_toggle");
  s.thinking_budget = r.str("selectors.thinking_budget");
  s.quota_callout = r.str("selectors.quota_callout");
  s.toasts = r.strs("selectors.toasts");
  s.new_chat_button = r.str("selectors.new_chat_button");
  s.dialog_buttons = r.str("selectors.dialog_buttons");

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
  for (const char* level : {"low", "medium", "high"})
    p.reasoning_budgets[level] = r.integer(std::string("reasoning_budgets.") + level);

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
