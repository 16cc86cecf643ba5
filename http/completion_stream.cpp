#include "http/completion_stream.hpp"

namespace camoufleet::http {

std::string_view unsent_tail(const std::string& full, const std::string& sent) {
  if (full.size() <= sent.size()) return {};
  if (full.compare(0, sent.size(), sent) != 0) return {};
  return std::string_view(full).substr(sent.size());
}

completion_stream::completion_stream(completion_meta meta, bool include_usage, bool ends_stream)
    : meta_(std::move(meta)),
      include_usage_(include_usage),
      ends_stream_(ends_stream),
      role_sent_(meta_.text) {}  // a text completion's chunks carry no role

std::string completion_stream::ensure_role() {
  if (role_sent_) return {};
  role_sent_ = true;
  return sse_event(role_chunk_json(meta_));
}

std::string completion_stream::on_delta(const request_delta& d) {
  if (ended_) return {};
  std::string out = ensure_role();
  // A text completion has no field for the reasoning: only words are sent.
  if (d.content.empty() && (meta_.text || d.reasoning.empty())) return out;
  out += sse_event(delta_chunk_json(meta_, d.content, d.reasoning));
  sent_content_ += d.content;
  sent_reasoning_ += d.reasoning;
  return out;
}

std::string completion_stream::on_finished(const request_finished& f) {
  if (ended_) return {};
  std::string out = ensure_role();
  const auto reasoning_tail = unsent_tail(f.reasoning, sent_reasoning_);
  const auto content_tail = unsent_tail(f.content, sent_content_);
  if (!content_tail.empty() || (!reasoning_tail.empty() && !meta_.text))
    out += sse_event(delta_chunk_json(meta_, content_tail, reasoning_tail));
  // The page gives a call only once it is complete: each goes out whole (a
  // text completion asks for no tools, and has no field for a call).
  for (std::size_t i = 0; !meta_.text && i < f.tool_calls.size(); ++i)
    out += sse_event(tool_call_chunk_json(meta_, static_cast<int>(i), f.tool_calls[i]));
  out += sse_event(finish_chunk_json(meta_, f.finish_reason));
  ended_ = true;
  if (!ends_stream_) return out;
  if (include_usage_)
    out += sse_event(
        usage_chunk_json(meta_, {f.prompt_tokens, f.completion_tokens, f.reasoning_tokens}));
  out += sse_done();
  return out;
}

std::string failed_stream_end(const error_reply& e) {
  std::string out = sse_event(error_body(e));
  out += sse_done();
  return out;
}

std::string completion_stream::on_failed(const error_reply& e) {
  if (ended_) return {};
  ended_ = true;
  return failed_stream_end(e);
}

std::string stream_response_head(
    const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  std::string head =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: text/event-stream\r\n"
      "Cache-Control: no-cache\r\n"
      "X-Accel-Buffering: no\r\n"
      "Transfer-Encoding: chunked\r\n";
  for (const auto& [name, value] : extra_headers) {
    head += name;
    head += ": ";
    // A CR or LF in a value would split the header block (response splitting).
    for (char c : value)
      if (c != '\r' && c != '\n') head.push_back(c);
    head += "\r\n";
  }
  head += "\r\n";
  return head;
}

}  // namespace camoufleet::http
