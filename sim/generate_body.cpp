// Parsing the page's GenerateContent body (prompt, model, settings, tools,
// files) and turning it into the answer generator's input.
#include "sim/generate_body.hpp"

#include <nlohmann/json.hpp>

#include "sim/stream_format.hpp"

namespace camoufleet::sim {

using nlohmann::json;

std::optional<generate_params> parse_generate_body(const std::string& body, std::string& error) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "body is not a JSON object";
    return std::nullopt;
  }
  generate_params p;
  try {
    if (!j.contains("prompt") || !j["prompt"].is_string()) {
      error = "missing prompt";
      return std::nullopt;
    }
    p.prompt = j["prompt"].get<std::string>();
    if (j.contains("model") && j["model"].is_string())
      p.model = strip_model_prefix(j["model"].get<std::string>());
    if (j.contains("temperature") && j["temperature"].is_number())
      p.temperature = j["temperature"].get<double>();
    if (j.contains("top_p") && j["top_p"].is_number()) p.top_p = j["top_p"].get<double>();
    if (j.contains("max_output_tokens") && j["max_output_tokens"].is_number())
      p.max_output_tokens = static_cast<int>(j["max_output_tokens"].get<double>());
    if (j.contains("stop") && j["stop"].is_array())
      for (const auto& s : j["stop"])
        if (s.is_string()) p.stop.push_back(s.get<std::string>());
    if (j.contains("thinking") && j["thinking"].is_boolean()) p.thinking = j["thinking"].get<bool>();
    if (j.contains("thinking_budget") && j["thinking_budget"].is_number())
      p.thinking_budget = static_cast<int>(j["thinking_budget"].get<double>());
    if (j.contains("thinking_level") && j["thinking_level"].is_string())
      p.thinking_level = j["thinking_level"].get<std::string>();
    if (j.contains("tools") && j["tools"].is_array())
      for (const auto& t : j["tools"])
        if (t.is_object() && t.contains("name") && t["name"].is_string())
          p.tools.push_back(t["name"].get<std::string>());
    if (j.contains("grounding") && j["grounding"].is_boolean()) p.grounding = j["grounding"].get<bool>();
    if (j.contains("url_context") && j["url_context"].is_boolean())
      p.url_context = j["url_context"].get<bool>();
    if (j.contains("files") && j["files"].is_array())
      for (const auto& f : j["files"])
        if (f.is_object())
          p.files.push_back({f.value("name", std::string()), f.value("type", std::string()),
                             f.value("size", 0LL)});
  } catch (const json::exception& e) {
    error = e.what();
    return std::nullopt;
  }
  if (!find_model(p.model)) {
    error = "unknown model " + p.model;
    return std::nullopt;
  }
  return p;
}

answer_input to_answer_input(const generate_params& p, int length) {
  answer_input in;
  in.prompt = p.prompt;
  in.model = p.model;
  in.temperature = p.temperature;
  in.top_p = p.top_p;
  in.max_output_tokens = p.max_output_tokens;
  in.stop = p.stop;
  in.thinking = p.thinking;
  in.thinking_budget = p.thinking_budget;
  in.length = length;
  in.file_notes = file_tokens(p.files);
  return in;
}

}  // namespace camoufleet::sim
