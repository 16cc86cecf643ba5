#include "actors/browser_sidecar.hpp"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "actors/profile_file.hpp"

namespace camoufleet {

namespace {
const std::string json_ext = ".json";
const std::string sidecar_ext = ".browser.json";
const std::string fingerprint_ext = ".camoufox.json";

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string stem_of(const std::string& auth_file) {
  return ends_with(auth_file, json_ext) ? auth_file.substr(0, auth_file.size() - json_ext.size()) : auth_file;
}
}  // namespace

std::string browser_sidecar_path(const std::string& auth_file) { return stem_of(auth_file) + sidecar_ext; }

std::string fingerprint_sidecar_path(const std::string& auth_file) { return stem_of(auth_file) + fingerprint_ext; }

bool is_profile_file(const std::string& path) {
  return ends_with(path, json_ext) && !ends_with(path, sidecar_ext) && !ends_with(path, fingerprint_ext);
}

browser_choice parse_browser_sidecar(const std::string& text) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object()) throw std::invalid_argument("not a JSON object");
  auto kind = doc.find("kind");
  if (kind == doc.end() || !kind->is_string()) throw std::invalid_argument("\"kind\" is missing");
  browser_choice c;
  const std::string k = kind->get<std::string>();
  if (k == "chromium") {
    c.kind = browser::browser_kind::chromium;
    c.path = "chromium";
  } else if (k == "firefox") {
    c.kind = browser::browser_kind::firefox;
    c.path = "firefox-esr";
  } else if (k == "camoufox") {
    c.kind = browser::browser_kind::camoufox;
    c.path = "camoufox";
  } else {
    throw std::invalid_argument("\"kind\" " + k + " is not chromium, firefox or camoufox");
  }
  if (auto b = doc.find("browser"); b != doc.end()) {
    if (!b->is_string() || b->get<std::string>().empty())
      throw std::invalid_argument("\"browser\" is not a path");
    c.path = b->get<std::string>();
  }
  return c;
}

bool apply_browser_sidecar(const std::string& auth_file, browser::session_options& options) {
  const std::string path = browser_sidecar_path(auth_file);
  auto text = read_whole_file(path);
  if (!text) return false;
  try {
    browser_choice c = parse_browser_sidecar(*text);
    options.kind = c.kind;
    options.browser_path = c.path;
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
  return true;
}

bool apply_fingerprint_sidecar(const std::string& auth_file, browser::session_options& options) {
  if (options.kind != browser::browser_kind::camoufox) return false;
  const std::string path = fingerprint_sidecar_path(auth_file);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  options.fingerprint_file = path;
  return true;
}

}  // namespace camoufleet
