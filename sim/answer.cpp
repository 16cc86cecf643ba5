#include "sim/answer.hpp"

#include <cstdio>

#include "sim/stream_format.hpp"

namespace camoufleet::sim {

std::string answer::text() const {
  std::string s;
  for (const auto& t : text_tokens) s += t;
  return s;
}

std::string answer::reasoning() const {
  std::string s;
  for (const auto& t : reasoning_tokens) s += t;
  return s;
}

const char* answer::finish_reason() const { return finish == finish_length ? "length" : "stop"; }

std::uint32_t fnv1a32(const std::string& s) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

std::string strip_model_prefix(const std::string& model) {
  static const std::string prefix = "models/";
  return model.compare(0, prefix.size(), prefix) == 0 ? model.substr(prefix.size()) : model;
}

namespace {

constexpr int default_reasoning_tokens = 8;

std::string header_token(const answer_input& in) {
  char buf[128];
  std::snprintf(buf, sizeof buf, " t=%.2f p=%.2f h=%08x]", in.temperature, in.top_p,
                static_cast<unsigned>(fnv1a32(in.prompt)));
  return "[" + strip_model_prefix(in.model) + buf;
}

// Earliest position of any non-empty stop sequence in s, npos if none.
std::size_t first_stop(const std::string& s, const std::vector<std::string>& stop) {
  std::size_t best = std::string::npos;
  for (const auto& st : stop) {
    if (st.empty()) continue;
    auto pos = s.find(st);
    if (pos < best) best = pos;
  }
  return best;
}

}  // namespace

answer compute_answer(const answer_input& in) {
  answer a;
  auto words = split_words(in.prompt);
  a.prompt_tokens = words.empty() ? 1 : static_cast<int>(words.size());
  if (words.empty()) words.push_back("(empty)");
  const std::size_t n = words.size();

  // A model without thinking never thinks, whatever the request says.
  const model_entry* model = find_model(in.model);
  if (in.thinking && (!model || model->thinking)) {
    int count = default_reasoning_tokens;
    if (in.thinking_budget > 0 && in.thinking_budget < count) count = in.thinking_budget;
    for (int i = 0; i < count; ++i) {
      if (i == 0)
        a.reasoning_tokens.push_back("Thinking");
      else if (i == 1)
        a.reasoning_tokens.push_back(" about");
      else
        a.reasoning_tokens.push_back(" " + words[(i - 2) % n]);
    }
  }

  int limit = in.length < 1 ? 1 : in.length;
  bool length_cut = false;
  if (in.max_output_tokens > 0 && in.max_output_tokens < limit) {
    limit = in.max_output_tokens;
    length_cut = true;
  }

  // Generate token by token so a stop sequence ends generation where a real
  // model would: as soon as the text produced so far contains it.
  std::string text;
  a.finish = length_cut ? finish_length : finish_stop;
  for (int i = 0; i < limit; ++i) {
    std::string tok = i == 0 ? header_token(in) : " " + words[(i - 1) % n];
    std::size_t before = text.size();
    text += tok;
    auto pos = first_stop(text, in.stop);
    if (pos != std::string::npos) {
      // The stop may begin in an earlier token and end in this one.
      while (pos < before) {
        before -= a.text_tokens.back().size();
        a.text_tokens.pop_back();
      }
      std::string kept = text.substr(before, pos - before);
      if (!kept.empty()) a.text_tokens.push_back(kept);
      a.finish = finish_stop;
      break;
    }
    a.text_tokens.push_back(std::move(tok));
  }

  if (!a.text_tokens.empty())
    a.text_tokens.insert(a.text_tokens.begin() + 1, in.file_notes.begin(), in.file_notes.end());
  a.candidates_tokens = static_cast<int>(a.text_tokens.size());
  a.thoughts_tokens = static_cast<int>(a.reasoning_tokens.size());
  a.total_tokens = a.prompt_tokens + a.candidates_tokens + a.thoughts_tokens;
  return a;
}

}  // namespace camoufleet::sim
