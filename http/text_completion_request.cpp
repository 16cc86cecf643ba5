#include "http/text_completion_request.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "http/request_parts.hpp"

namespace camoufleet::http {

namespace {

using json = nlohmann::json;

chat_parse_result fail_with(request_error e) {
  chat_parse_result r;
  r.error = std::move(e);
  return r;
}

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

// The prompts as strings (one or several), or the refusal.
std::optional<request_error> read_prompts(const json& doc, std::vector<std::string>& prompts) {
  auto it = doc.find("prompt");
  if (it == doc.end() || it->is_null())
    return bad_field("Missing required parameter: 'prompt'.", "prompt");
  if (it->is_string()) {
    prompts.push_back(it->get<std::string>());
    if (blank(prompts.back()))
      return bad_field("Invalid 'prompt': it has no text, so there is nothing to answer.",
                       "prompt");
    return std::nullopt;
  }
  if (!it->is_array()) return wrong_type("prompt", "a string or an array of strings", *it);
  if (it->empty())
    return bad_field("Invalid 'prompt': empty array. Send the prompt as a string.", "prompt");
  const bool tokens = std::all_of(
      it->begin(), it->end(), [](const json& v) { return v.is_number_integer() || v.is_array(); });
  if (tokens)
    return bad_field(
        "Invalid 'prompt': token ids are not supported (the site reads text). Send the "
        "prompt as a string.",
        "prompt");
  for (const auto& v : *it) {
    if (!v.is_string()) return wrong_type("prompt", "a string or an array of strings", v);
    prompts.push_back(v.get<std::string>());
    if (blank(prompts.back()))
      return bad_field("Invalid 'prompt[" + std::to_string(prompts.size() - 1) +
                           "]': it has no text, so there is nothing to answer.",
                       "prompt");
  }
  return std::nullopt;
}

// echo and suffix: refused when they ask for what a page cannot do.
std::optional<request_error> read_echo_suffix(const json& doc) {
  if (auto it = doc.find("echo"); it != doc.end() && !it->is_null()) {
    if (!it->is_boolean()) return wrong_type("echo", "a boolean", *it);
    if (it->get<bool>())
      return bad_field(
          "'echo' is not supported: the site answers a prompt and does not give it back. "
          "Put the prompt before the answer yourself.",
          "echo");
  }
  if (auto it = doc.find("suffix"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) return wrong_type("suffix", "a string", *it);
    if (!it->get_ref<const std::string&>().empty())
      return bad_field(
          "'suffix' is not supported: the site cannot fill text in between a prompt and "
          "a suffix.",
          "suffix");
  }
  return std::nullopt;
}

// best_of against the `n` the chat parser read: above it is refused.
std::optional<request_error> read_best_of(const json& doc, int n) {
  const auto it = doc.find("best_of");
  if (it == doc.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) return wrong_type("best_of", "an integer", *it);
  if (it->get<long long>() > n)
    return bad_field(
        "'best_of' above 'n' is not supported: the site gives no log probabilities "
        "to pick the best answer by. Ask for several answers with 'n'.",
        "best_of");
  return std::nullopt;
}

}  // namespace

chat_parse_result parse_text_completion_request(std::string_view body) {
  json doc;
  if (auto e = read_json_body(body, doc)) return fail_with(std::move(*e));
  std::vector<std::string> prompts;
  if (auto e = read_prompts(doc, prompts)) return fail_with(std::move(*e));
  if (auto e = read_echo_suffix(doc)) return fail_with(std::move(*e));

  // The fields both shapes share, read by the chat parser; the rest of a
  // legacy body (logprobs, seed, user, penalties, logit_bias) is ignored
  // there as well.
  json chat = json::object();
  for (const char* name :
       {"model", "stream", "stream_options", "temperature", "top_p", "max_tokens", "stop", "n"})
    if (auto it = doc.find(name); it != doc.end()) chat[name] = *it;
  chat["messages"] = json::array({json{{"role", "user"}, {"content", prompts.front()}}});
  auto r = parse_chat_document(chat);
  if (!r.ok) return r;
  if (auto e = read_best_of(doc, r.choices)) return fail_with(std::move(*e));
  r.message_names = {"prompt"};
  if (prompts.size() > 1) {
    r.prompts = std::move(prompts);
    if (r.parts() > max_prompt_parts)
      return fail_with(
          bad_field("Invalid 'prompt': " + std::to_string(r.prompts.size()) +
                        " prompts times n = " + std::to_string(r.choices) + " ask for " +
                        std::to_string(r.parts()) + " answers; one request may ask for at most " +
                        std::to_string(max_prompt_parts) + " (each is a page's answer).",
                    "prompt"));
  }
  return r;
}

}  // namespace camoufleet::http
