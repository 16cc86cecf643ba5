#include "http/sse.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace camoufleet::http {

namespace {

using ojson = nlohmann::ordered_json;

std::string dump(const ojson& j) {
  // Site text may carry broken UTF-8; a completion must still go out.
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

ojson chunk_base(const completion_meta& meta) {
  return ojson{{"id", meta.id},
               {"object", meta.text ? "text_completion" : "chat.completion.chunk"},
               {"created", meta.created},
               {"model", meta.model}};
}

ojson finish_value(std::string_view finish_reason) {
  return finish_reason.empty() ? ojson(nullptr) : ojson(std::string(finish_reason));
}

ojson one_choice(int index, ojson delta, std::string_view finish_reason) {
  ojson choice = {{"index", index}, {"delta", std::move(delta)}};
  choice["finish_reason"] = finish_value(finish_reason);
  return ojson::array({std::move(choice)});
}

// A text_completion's choice, in a chunk or a whole answer alike.
ojson text_choice(int index, std::string_view text, std::string_view finish_reason) {
  return {{"text", std::string(text)},
          {"index", index},
          {"logprobs", nullptr},
          {"finish_reason", finish_value(finish_reason)}};
}

ojson usage(const token_usage& u) {
  ojson j{{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens}};
  if (u.reasoning_tokens > 0)
    j["completion_tokens_details"] = ojson{{"reasoning_tokens", u.reasoning_tokens}};
  return j;
}

ojson tool_call_json(const core::tool_call& c) {
  return ojson{{"id", c.id},
               {"type", "function"},
               {"function", ojson{{"name", c.name}, {"arguments", c.arguments}}}};
}

}  // namespace

std::string chunk_frame(std::string_view data) {
  if (data.empty()) return {};
  char head[32];
  const int n = std::snprintf(head, sizeof head, "%zx\r\n", data.size());
  std::string out;
  out.reserve(static_cast<std::size_t>(n) + data.size() + 2);
  out.append(head, static_cast<std::size_t>(n));
  out.append(data);
  out.append("\r\n");
  return out;
}

std::string_view chunk_terminator() { return "0\r\n\r\n"; }

std::string sse_event(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 8);
  out.append("data: ");
  out.append(payload);
  out.append("\n\n");
  return out;
}

std::string sse_named_event(std::string_view name, std::string_view payload) {
  std::string out;
  out.reserve(name.size() + payload.size() + 16);
  out.append("event: ");
  out.append(name);
  out.append("\n");
  out.append(sse_event(payload));
  return out;
}

std::string sse_comment(std::string_view text) {
  std::string out = ": ";
  // A newline would end the comment early and start a bogus field.
  for (char c : text) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
  out.append("\n\n");
  return out;
}

std::string_view sse_keep_alive() { return ": keep-alive\n\n"; }
std::string_view sse_done() { return "data: [DONE]\n\n"; }

std::string_view normalize_finish_reason(std::string_view reason) {
  if (reason == "length" || reason == "content_filter" || reason == "tool_calls") return reason;
  return "stop";
}

namespace {

ojson choice_json(bool text, int index, const request_finished& done) {
  if (text) return text_choice(index, done.content, normalize_finish_reason(done.finish_reason));
  ojson message = {{"role", "assistant"}, {"content", done.content}};
  if (!done.reasoning.empty()) message["reasoning_content"] = done.reasoning;
  if (!done.tool_calls.empty()) {
    // OpenAI: an answer that is only calls has content null.
    if (done.content.empty()) message["content"] = nullptr;
    ojson calls = ojson::array();
    for (const auto& c : done.tool_calls) calls.push_back(tool_call_json(c));
    message["tool_calls"] = std::move(calls);
  }
  return {{"index", index},
          {"message", std::move(message)},
          {"finish_reason", std::string(normalize_finish_reason(done.finish_reason))}};
}

}  // namespace

std::string completion_json(const completion_meta& meta, const request_finished& done) {
  return completion_json(meta, std::vector<request_finished>{done});
}

int prompt_tokens_once(const std::vector<request_finished>& choices, int per_prompt) {
  const std::size_t step = per_prompt > 0 ? static_cast<std::size_t>(per_prompt) : choices.size();
  int tokens = 0;
  for (std::size_t i = 0; i < choices.size(); i += step) tokens += choices[i].prompt_tokens;
  return tokens;
}

std::string completion_json(const completion_meta& meta,
                            const std::vector<request_finished>& choices, int per_prompt) {
  ojson list = ojson::array();
  int completion = 0, reasoning = 0;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    list.push_back(choice_json(meta.text, static_cast<int>(i), choices[i]));
    completion += choices[i].completion_tokens;
    reasoning += choices[i].reasoning_tokens;
  }
  const int prompt = prompt_tokens_once(choices, per_prompt);
  ojson j = {{"id", meta.id},
             {"object", meta.text ? "text_completion" : "chat.completion"},
             {"created", meta.created},
             {"model", meta.model},
             {"choices", std::move(list)},
             {"usage", usage({prompt, completion, reasoning})}};
  return dump(j);
}

std::string role_chunk_json(const completion_meta& meta) {
  ojson j = chunk_base(meta);
  j["choices"] = one_choice(meta.choice, ojson{{"role", "assistant"}, {"content", ""}}, {});
  return dump(j);
}

std::string delta_chunk_json(const completion_meta& meta, std::string_view content,
                             std::string_view reasoning) {
  if (meta.text) {
    ojson j = chunk_base(meta);
    j["choices"] = ojson::array({text_choice(meta.choice, content, {})});
    return dump(j);
  }
  ojson delta = ojson::object();
  if (!reasoning.empty()) delta["reasoning_content"] = std::string(reasoning);
  if (!content.empty()) delta["content"] = std::string(content);
  ojson j = chunk_base(meta);
  j["choices"] = one_choice(meta.choice, std::move(delta), {});
  return dump(j);
}

std::string tool_call_chunk_json(const completion_meta& meta, int index,
                                 const core::tool_call& call) {
  ojson entry = {{"index", index}};
  const ojson body = tool_call_json(call);
  for (auto it = body.begin(); it != body.end(); ++it) entry[it.key()] = it.value();
  ojson j = chunk_base(meta);
  j["choices"] =
      one_choice(meta.choice, ojson{{"tool_calls", ojson::array({std::move(entry)})}}, {});
  return dump(j);
}

std::string finish_chunk_json(const completion_meta& meta, std::string_view finish_reason) {
  ojson j = chunk_base(meta);
  if (meta.text) {
    j["choices"] =
        ojson::array({text_choice(meta.choice, "", normalize_finish_reason(finish_reason))});
    return dump(j);
  }
  j["choices"] = one_choice(meta.choice, ojson::object(), normalize_finish_reason(finish_reason));
  return dump(j);
}

std::string usage_chunk_json(const completion_meta& meta, const token_usage& u) {
  ojson j = chunk_base(meta);
  j["choices"] = ojson::array();
  j["usage"] = usage(u);
  return dump(j);
}

}  // namespace camoufleet::http
