// What a response repeats of its request: its settings (the response
// object's echo) and its own input items, each named as GET
// /v1/responses/{id}/input_items lists them. Pure.
#include "http/responses_request.hpp"
#include "http/responses_stream.hpp"

namespace camoufleet::http {

using json = nlohmann::json;

json responses_echo(const json& doc) {
  const auto get = [&](const char* key, json fallback) {
    const auto it = doc.find(key);
    return it == doc.end() || it->is_null() ? fallback : *it;
  };
  json format = {{"type", "text"}};
  if (const auto t = doc.find("text"); t != doc.end() && t->is_object() && t->contains("format"))
    format = (*t)["format"];
  json reasoning = {{"effort", nullptr}, {"summary", nullptr}};
  if (const auto r = doc.find("reasoning"); r != doc.end() && r->is_object())
    reasoning["effort"] = r->value("effort", json());
  return {{"instructions", get("instructions", nullptr)},
          {"background", get("background", false)},
          {"max_output_tokens", get("max_output_tokens", nullptr)},
          {"metadata", get("metadata", json::object())},
          {"parallel_tool_calls", get("parallel_tool_calls", true)},
          {"previous_response_id", get("previous_response_id", nullptr)},
          {"reasoning", std::move(reasoning)},
          {"store", get("store", true)},
          // Unset: null (the page's own defaults apply, not OpenAI's 1.0).
          {"temperature", get("temperature", nullptr)},
          {"text", {{"format", std::move(format)}}},
          {"tool_choice", get("tool_choice", "auto")},
          {"tools", get("tools", json::array())},
          {"top_p", get("top_p", nullptr)},
          {"truncation", "disabled"},
          {"user", get("user", nullptr)}};
}

void name_input_items(json& items, const std::string& response_id) {
  if (!items.is_array()) return;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto& item = items[i];
    if (!item.is_object()) continue;
    const auto t = item.find("type");
    const std::string type = t != item.end() && t->is_string() ? t->get<std::string>() : "message";
    if (type == "message") {
      item["type"] = "message";
      if (const auto c = item.find("content"); c != item.end() && c->is_string()) {
        const bool said = item.value("role", json()) == "assistant";
        json part = {{"type", said ? "output_text" : "input_text"}, {"text", *c}};
        if (said) part["annotations"] = json::array();
        *c = json::array({std::move(part)});
      }
      if (!item.contains("status")) item["status"] = "completed";
    }
    if (item.contains("id")) continue;
    const char* kind = type == "message"                ? "msg"
                       : type == "function_call"        ? "fc"
                       : type == "function_call_output" ? "fco"
                       : type == "reasoning"            ? "rs"
                                                        : "item";
    item["id"] = item_id_for(kind, response_id) + "_in" + std::to_string(i);
  }
}

}  // namespace camoufleet::http
