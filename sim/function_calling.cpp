#include "sim/function_calling.hpp"

#include <algorithm>
#include <cctype>

#include "sim/stream_format.hpp"

namespace camoufleet::sim {

using nlohmann::json;

namespace {

bool is_label(const std::string& line) {
  return line == "User:" || line == "Assistant:" || line == "System Instructions:" ||
         line.rfind("Tool result", 0) == 0;
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

// The balanced {...} starting at `from` (strings respected), or npos.
std::size_t object_end(const std::string& s, std::size_t from) {
  int depth = 0;
  const auto close = scan_brackets(s, from, [&](std::size_t, char c) {
    if (c == '{') ++depth;
    return c == '}' && --depth == 0;
  });
  return close == std::string::npos ? close : close + 1;
}

}  // namespace

std::string last_turn(const std::string& prompt) {
  std::size_t start = 0, pos = 0;
  while (pos <= prompt.size()) {
    std::size_t end = prompt.find('\n', pos);
    if (end == std::string::npos) end = prompt.size();
    if (is_label(prompt.substr(pos, end - pos))) start = std::min(end + 1, prompt.size());
    pos = end + 1;
  }
  return prompt.substr(start);
}

std::vector<requested_call> find_call_phrases(const std::string& prompt,
                                              const std::vector<std::string>& declared) {
  const std::string turn = last_turn(prompt);
  std::vector<requested_call> calls;
  std::size_t pos = 0;
  while ((pos = turn.find("call ", pos)) != std::string::npos) {
    const bool word_start = pos == 0 || !name_char(turn[pos - 1]);
    std::size_t i = pos + 5;
    pos = i;
    if (!word_start) continue;
    const std::size_t name_from = i;
    while (i < turn.size() && name_char(turn[i])) ++i;
    const std::string name = turn.substr(name_from, i - name_from);
    while (i < turn.size() && turn[i] == ' ') ++i;
    if (name.empty() || i >= turn.size() || turn[i] != '{') continue;
    const std::size_t end = object_end(turn, i);
    if (end == std::string::npos) continue;
    json args = json::parse(turn.substr(i, end - i), nullptr, false);
    pos = end;
    if (!args.is_object()) continue;
    if (std::find(declared.begin(), declared.end(), name) == declared.end()) continue;
    calls.push_back({name, std::move(args)});
  }
  return calls;
}

json struct_value(const json& v) {
  if (v.is_null()) return json::array({nullptr});
  if (v.is_number()) return json::array({nullptr, v});
  if (v.is_string()) return json::array({nullptr, nullptr, v});
  if (v.is_boolean()) return json::array({nullptr, nullptr, nullptr, v.get<bool>() ? 1 : 0});
  if (v.is_object()) {
    json fields = json::array();
    for (auto it = v.begin(); it != v.end(); ++it)
      fields.push_back(json::array({it.key(), struct_value(it.value())}));
    return json::array({nullptr, nullptr, nullptr, nullptr, fields});
  }
  json items = json::array();
  for (const auto& x : v) items.push_back(struct_value(x));
  // Lists come wrapped once more.
  return json::array({nullptr, nullptr, nullptr, nullptr, nullptr, json::array({items})});
}

std::string function_call_part(const requested_call& call) {
  json fields = json::array();
  for (auto it = call.args.begin(); it != call.args.end(); ++it)
    fields.push_back(json::array({it.key(), struct_value(it.value())}));
  json part = json::array();
  for (int i = 0; i < 10; ++i) part.push_back(nullptr);
  part.push_back(json::array({call.name, json::array({fields})}));
  return part.dump();
}

std::vector<std::string> encode_calls(const std::vector<requested_call>& calls, int prompt_tokens,
                                      const std::string& trace) {
  std::vector<std::string> chunks;
  usage_counts u{prompt_tokens, 0, 0};
  for (const auto& c : calls) {
    ++u.candidates;
    chunks.push_back(make_chunk(function_call_part(c), u, 0, trace));
  }
  if (!calls.empty()) chunks.push_back(make_chunk(function_call_part(calls.front()), u, 0, trace));
  chunks.push_back(make_chunk(text_part(""), u, finish_stop, trace));
  for (std::size_t i = 0; i < chunks.size(); ++i) chunks[i] = (i == 0 ? "[[" : ",") + chunks[i];
  chunks.push_back("," + meta_element(trace) + "]]");
  return chunks;
}

std::vector<std::string> file_tokens(const std::vector<uploaded_file>& files) {
  std::vector<std::string> out;
  for (const auto& f : files)
    out.push_back(" [file " + f.mime_type + " " + std::to_string(f.size) + " bytes]");
  return out;
}

std::vector<std::string> prompt_functions(const std::string& prompt) {
  std::vector<std::string> names;
  const std::string head = "Functions you can call";
  for (std::size_t pos = 0; pos < prompt.size();) {
    std::size_t end = prompt.find('\n', pos);
    if (end == std::string::npos) end = prompt.size();
    if (prompt.compare(pos, head.size(), head) == 0 && end < prompt.size()) {
      std::size_t next_end = prompt.find('\n', end + 1);
      if (next_end == std::string::npos) next_end = prompt.size();
      const json list = json::parse(prompt.substr(end + 1, next_end - end - 1), nullptr, false);
      if (list.is_array())
        for (const auto& d : list)
          if (d.is_object() && d.contains("name") && d["name"].is_string())
            names.push_back(d["name"].get<std::string>());
      return names;
    }
    pos = end + 1;
  }
  return names;
}

std::string emulated_call_text(const std::vector<requested_call>& calls) {
  json list = json::array();
  for (const auto& c : calls) list.push_back({{"name", c.name}, {"arguments", c.args}});
  return "I will call " + std::string(calls.size() == 1 ? "a function" : "functions") +
         " for this.\n```tool_calls\n" + json{{"tool_calls", list}}.dump() + "\n```";
}

void answer_with_text(answer& a, const std::string& text) {
  a.text_tokens.clear();
  for (std::size_t i = 0; i < text.size(); i += 7) a.text_tokens.push_back(text.substr(i, 7));
  a.finish = finish_stop;
  a.candidates_tokens = static_cast<int>(a.text_tokens.size());
  a.total_tokens = a.prompt_tokens + a.candidates_tokens + a.thoughts_tokens;
}

}  // namespace camoufleet::sim
