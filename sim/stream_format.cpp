#include "sim/stream_format.hpp"

#include <nlohmann/json.hpp>

namespace camoufleet::sim {

using nlohmann::json;

namespace {

std::string candidate_chunk(const json& part) {
  // chunk = [candidates], candidates = [candidate], candidate = [content],
  // content = [parts, "model"], parts = [part].
  json content = json::array({json::array({part}), "model"});
  json candidate = json::array({content});
  json candidates = json::array({candidate});
  return json::array({candidates}).dump();
}

}  // namespace

std::string text_chunk(const std::string& text) {
  return candidate_chunk(json::array({nullptr, text}));
}

std::string thought_chunk(const std::string& text) {
  json part = json::array({nullptr, text});
  for (int i = 0; i < 10; ++i) part.push_back(nullptr);
  part.push_back(1);
  return candidate_chunk(part);
}

std::string final_chunk(int finish, int prompt_tokens, int candidates_tokens, int total_tokens) {
  json parts = json::array({json::array({nullptr, ""})});
  json candidate = json::array({json::array({parts, "model"}), finish});
  json chunk = json::array({json::array({candidate}), nullptr,
                            json::array({prompt_tokens, candidates_tokens, total_tokens})});
  return chunk.dump();
}

std::vector<std::string> encode_answer(const answer& a) {
  std::vector<std::string> chunks;
  for (const auto& t : a.reasoning_tokens) chunks.push_back(thought_chunk(t));
  for (const auto& t : a.text_tokens) chunks.push_back(text_chunk(t));
  chunks.push_back(final_chunk(a.finish, a.prompt_tokens, a.candidates_tokens, a.total_tokens));
  for (std::size_t i = 0; i < chunks.size(); ++i) chunks[i] = (i == 0 ? "[" : ",") + chunks[i];
  chunks.back() += "]";
  return chunks;
}

decoded_stream decode_stream(const std::string& body) {
  decoded_stream d;
  json all = json::parse(body);
  for (const auto& chunk : all) {
    ++d.chunks;
    const json& candidates = chunk.at(0);
    for (const auto& cand : candidates) {
      const json& content = cand.at(0);
      for (const auto& part : content.at(0)) {
        if (!part.is_array() || part.size() < 2 || !part[1].is_string()) continue;
        if (part.size() == 2)
          d.text += part[1].get<std::string>();
        else if (part.size() == 13)
          d.reasoning += part[1].get<std::string>();
      }
      if (cand.size() > 1 && cand[1].is_number_integer()) d.finish = cand[1].get<int>();
    }
    if (chunk.size() > 2 && chunk[2].is_array() && chunk[2].size() >= 3) {
      d.prompt_tokens = chunk[2][0].get<int>();
      d.candidates_tokens = chunk[2][1].get<int>();
      d.total_tokens = chunk[2][2].get<int>();
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
  };
  return models;
}

const model_entry* find_model(const std::string& id_or_name) {
  auto id = strip_model_prefix(id_or_name);
  for (const auto& m : known_models())
    if (m.id == id) return &m;
  return nullptr;
}

std::string list_models_body() {
  json list = json::array();
  for (const auto& m : known_models()) {
    // Trailing fields mimic the real array's shape: input token limit,
    // supported methods, default temperature / top-p / top-k, thinking.
    list.push_back(json::array({"models/" + m.id, nullptr, m.version, m.display_name, m.description,
                                nullptr, m.max_output_tokens, 1048576,
                                json::array({"generateContent", "countTokens"}), 1, 2, 0.95, 64,
                                m.thinking}));
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
