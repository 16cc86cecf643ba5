#include "sim/stream_format.hpp"

#include <nlohmann/json.hpp>

namespace camoufleet::sim {

using nlohmann::json;

namespace {

json nulls(int n) {
  json a = json::array();
  for (int i = 0; i < n; ++i) a.push_back(nullptr);
  return a;
}

bool is_int(const json& v) { return v.is_number_integer(); }

// The list the page reads: `[[chunk, ..., meta]]` -> the inner list.
const json& chunk_list(const json& body) {
  if (body.is_array() && body.size() == 1 && body[0].is_array()) return body[0];
  return body;
}

}  // namespace

std::string text_part(const std::string& text) { return json::array({nullptr, text}).dump(); }

std::string thought_part(const std::string& text) {
  json part = json::array({nullptr, text});
  for (const auto& n : nulls(10)) part.push_back(n);
  part.push_back(1);  // index 12: this part is a thought
  return part.dump();
}

std::string signature_part(const std::string& signature) {
  json part = json::array({nullptr, ""});
  for (const auto& n : nulls(12)) part.push_back(n);
  part.push_back(signature);  // index 14
  return part.dump();
}

std::string make_chunk(const std::string& part_json, const usage_counts& u, int finish,
                       const std::string& trace) {
  json content = json::array({json::array({json::parse(part_json)}), "model"});
  json candidate = json::array({content});
  if (finish != 0) candidate.push_back(finish);
  json usage = json::array({u.prompt, u.candidates > 0 ? json(u.candidates) : json(nullptr),
                            u.prompt + u.candidates + u.thoughts, nullptr,
                            json::array({json::array({1, u.prompt})})});
  if (u.thoughts > 0) {
    for (const auto& n : nulls(4)) usage.push_back(n);
    usage.push_back(u.thoughts);
  }
  json chunk = json::array({json::array({candidate}), nullptr, usage});
  for (const auto& n : nulls(4)) chunk.push_back(n);
  chunk.push_back(trace);
  return chunk.dump();
}

std::string meta_element(const std::string& id) {
  return json::array({nullptr, nullptr, nullptr, json::array({id, 1, 1})}).dump();
}

std::vector<std::string> encode_answer(const answer& a, const std::string& trace) {
  std::vector<std::string> chunks;
  usage_counts u{a.prompt_tokens, 0, 0};
  for (const auto& t : a.reasoning_tokens) {
    ++u.thoughts;
    chunks.push_back(make_chunk(thought_part(t), u, 0, trace));
  }
  for (const auto& t : a.text_tokens) {
    ++u.candidates;
    chunks.push_back(make_chunk(text_part(t), u, 0, trace));
  }
  // The last chunk carries the finish reason, with a thought signature when
  // the model thought (as the site's thinking models do).
  const std::string last = a.reasoning_tokens.empty() ? text_part("") : signature_part("c2lt");
  chunks.push_back(make_chunk(last, u, a.finish, trace));
  for (std::size_t i = 0; i < chunks.size(); ++i) chunks[i] = (i == 0 ? "[[" : ",") + chunks[i];
  chunks.push_back("," + meta_element(trace) + "]]");
  return chunks;
}

std::vector<std::string> split_body(const std::string& body) {
  std::vector<std::string> pieces;
  std::size_t from = 0;
  int depth = 0;
  scan_brackets(body, 0, [&](std::size_t i, char c) {
    if (c == '[' || c == '{') {
      ++depth;
      return false;
    }
    // An element of the chunk list (depth 2 inside `[[`) just closed; the
    // last one stays with the closing brackets.
    const auto next = body.find_first_not_of(" \t\r\n", i + 1);
    if (--depth == 2 && next != std::string::npos && body[next] == ',') {
      pieces.push_back(body.substr(from, i + 1 - from));
      from = i + 1;
    }
    return false;
  });
  if (from < body.size()) pieces.push_back(body.substr(from));
  return pieces;
}

decoded_stream decode_stream(const std::string& body) {
  decoded_stream d;
  json all = json::parse(body);
  const json& list = chunk_list(all);
  if (list.size() >= 2 && is_int(list[0]) && list[1].is_string()) {
    d.error_code = list[0].get<int>();
    d.error_message = list[1].get<std::string>();
    return d;
  }
  for (const auto& chunk : list) {
    if (!chunk.is_array() || chunk.empty()) continue;
    if (chunk[0].is_null() && (chunk.size() < 3 || chunk[2].is_null())) continue;  // metadata
    ++d.chunks;
    for (const auto& cand : chunk[0].is_array() ? chunk[0] : json::array()) {
      const json& content = cand.at(0);
      for (const auto& part : content.empty() ? json::array() : content.at(0)) {
        if (!part.is_array()) continue;
        if (part.size() > 10 && part[10].is_array()) ++d.function_calls;
        if (part.size() < 2 || !part[1].is_string()) continue;
        const bool thought = part.size() > 12 && part[12] == 1;
        (thought ? d.reasoning : d.text) += part[1].get<std::string>();
      }
      if (cand.size() > 1 && is_int(cand[1])) d.finish = cand[1].get<int>();
      if (cand.size() > 3 && cand[3].is_string()) d.finish_message = cand[3].get<std::string>();
    }
    if (chunk.size() > 2 && chunk[2].is_array() && chunk[2].size() >= 3) {
      const json& u = chunk[2];
      d.prompt_tokens = u[0].get<int>();
      d.candidates_tokens = is_int(u[1]) ? u[1].get<int>() : 0;
      d.thoughts_tokens = u.size() > 9 && is_int(u[9]) ? u[9].get<int>() : 0;
      d.total_tokens = u[2].get<int>();
    }
  }
  return d;
}

const std::vector<model_entry>& known_models() {
  static const std::vector<model_entry> models = {
      {"gemini-2.5-pro", "2.5", "Gemini 2.5 Pro", "Our most powerful thinking model", 65536, true},
      {"gemini-2.5-flash", "2.5", "Gemini 2.5 Flash", "Fast and intelligent thinking model", 65536,
       true},
      {"gemini-2.0-flash", "2.0", "Gemini 2.0 Flash", "Fast multimodal model", 8192, false},
      {"gemini-3-pro-preview", "3.0", "Gemini 3 Pro Preview", "Our most intelligent model",
       65536, true, true, true},
  };
  return models;
}

const model_entry* find_model(const std::string& id_or_name) {
  auto id = strip_model_prefix(id_or_name);
  for (const auto& m : known_models())
    if (m.id == id) return &m;
  return nullptr;
}

std::string list_models_body(bool with_newer_models) {
  json list = json::array();
  for (const auto& m : known_models()) {
    if (m.newer && !with_newer_models) continue;
    // entry = [name, null, version, displayName, description, inputTokenLimit,
    // outputTokenLimit, [methods], temperature, topP, topK, ...]
    list.push_back(json::array({"models/" + m.id, nullptr, m.version, m.display_name, m.description,
                                1048576, m.max_output_tokens,
                                json::array({"generateContent", "countTokens"}), 1, 0.95, 64,
                                m.thinking, m.thinking_level ? "level" : "budget"}));
  }
  return json::array({list}).dump();
}

std::string rate_limit_body() {
  return json{{"error",
               {{"code", 429},
                {"message", "Resource has been exhausted (e.g. check quota)."},
                {"status", "RESOURCE_EXHAUSTED"}}}}
      .dump();
}

std::string internal_error_body() {
  return json{{"error",
               {{"code", 500},
                {"message", "An internal error has occurred."},
                {"status", "INTERNAL"}}}}
      .dump();
}

std::string unauthenticated_body() {
  return json{{"error",
               {{"code", 401},
                {"message", "Request is missing required authentication credential."},
                {"status", "UNAUTHENTICATED"}}}}
      .dump();
}

}  // namespace camoufleet::sim
