// The site file's optional "function_calling" and "attachments" sections.
#include <nlohmann/json.hpp>

#include "site/site_profile.hpp"

namespace camoufleet::site {

namespace {

using nlohmann::json;

struct optional_reader {
  const json& section;
  std::string where;
  std::string source;

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw driver_error(failure_kind::site_error,
                       "site file " + source + ": key '" + where + "." + key + "' " + why);
  }
  void str(const char* key, std::string& out) const {
    auto it = section.find(key);
    if (it == section.end()) return;
    if (!it->is_string()) fail(key, "must be a string");
    out = it->get<std::string>();
  }
  void strs(const char* key, std::vector<std::string>& out) const {
    auto it = section.find(key);
    if (it == section.end()) return;
    if (it->is_string()) {
      out = {it->get<std::string>()};
      return;
    }
    if (!it->is_array() || it->empty()) fail(key, "must be a non-empty list of strings");
    std::vector<std::string> v;
    for (const auto& e : *it) {
      if (!e.is_string()) fail(key, "must be a list of strings");
      v.push_back(e.get<std::string>());
    }
    out = std::move(v);
  }
};

const json& section_of(const json& root, const char* name, const std::string& source) {
  static const json empty = json::object();
  auto it = root.find(name);
  if (it == root.end()) return empty;
  if (!it->is_object())
    throw driver_error(failure_kind::site_error,
                       "site file " + source + ": key '" + name + "' must be an object");
  return *it;
}

}  // namespace

void read_tool_selectors(const json& root, const std::string& source, site_profile& p) {
  using fc_t = function_calling_selectors;
  static const std::pair<const char*, std::string fc_t::*> fc_keys[] = {
      {"box", &fc_t::box},         {"toggle", &fc_t::toggle},
      {"edit_button", &fc_t::edit_button}, {"dialog", &fc_t::dialog},
      {"tab", &fc_t::tab},         {"code_tab_text", &fc_t::code_tab_text},
      {"editor", &fc_t::editor},   {"save_button", &fc_t::save_button},
      {"close_button", &fc_t::close_button}, {"call_chunk", &fc_t::call_chunk},
      {"call_name", &fc_t::call_name},       {"call_args", &fc_t::call_args}};
  optional_reader f{section_of(root, "function_calling", source), "function_calling", source};
  for (const auto& [key, field] : fc_keys) f.str(key, p.function_calling.*field);
  f.strs("grounding_toggle", p.function_calling.grounding_toggle);
  f.strs("url_context_toggle", p.function_calling.url_context_toggle);

  using at_t = attachment_selectors;
  static const std::pair<const char*, std::string at_t::*> at_keys[] = {
      {"menu", &at_t::menu},         {"upload_item", &at_t::upload_item},
      {"file_input", &at_t::file_input}, {"backdrop", &at_t::backdrop},
      {"consent_dialog", &at_t::consent_dialog}};
  optional_reader a{section_of(root, "attachments", source), "attachments", source};
  for (const auto& [key, field] : at_keys) a.str(key, p.attachments.*field);
  a.strs("add_button", p.attachments.add_button);
  a.strs("consent_texts", p.attachments.consent_texts);
}

}  // namespace camoufleet::site
