#include "site/stream_parser.hpp"

#include <nlohmann/json.hpp>

namespace camoufleet::site {
namespace {

using nlohmann::json;

bool is_int(const json& v) { return v.is_number_integer(); }

// Every part starts with null: `[null,"text"]`, `[null,"",...,"<signature>"]`,
// `[null,null,...,[name,args]]`.
bool is_part(const json& v) { return v.is_array() && v.size() >= 2 && v[0].is_null(); }

// `[parts, "model"]`, or `[parts]` (the last, signature-only chunk may drop the role).
bool is_content(const json& v, const std::string& role) {
  if (!v.is_array() || v.empty() || v.size() > 2 || !v[0].is_array()) return false;
  for (const auto& part : v[0])
    if (!is_part(part)) return false;
  return v.size() == 1 || (v[1].is_string() && v[1].get_ref<const std::string&>() == role);
}

// A candidate `[content, finishReason?, ..., finishMessage?]`; a blocked one
// has an empty content `[]`.
bool is_candidate(const json& v, const std::string& role) {
  return v.is_array() && !v.empty() && v[0].is_array() &&
         (v[0].empty() || is_content(v[0], role));
}

// usage = [prompt, candidates|null, total, null, [[1,prompt]], ..., thoughts]
bool is_usage(const json& v) {
  return v.is_array() && v.size() >= 3 && is_int(v[0]) && (is_int(v[1]) || v[1].is_null()) &&
         is_int(v[2]);
}

// `[code, "message"]`: how the stream carries an error instead of an answer.
bool is_error_pair(const json& v) {
  return v.is_array() && v.size() >= 2 && v.size() <= 3 && is_int(v[0]) && v[1].is_string();
}

// chunk = [candidates|null, promptFeedback|null, usage, null..., "v1_<trace>"]
// The shape test must not match anything a chunk contains (parts, content,
// candidates): those close first, while the chunk list is still unknown.
bool is_chunk(const json& v, const std::string& role) {
  if (!v.is_array() || v.empty()) return false;
  bool candidates = v[0].is_array() && !v[0].empty();
  if (candidates)
    for (const auto& c : v[0])
      if (!is_candidate(c, role)) candidates = false;
  if (!candidates && !v[0].is_null()) return false;
  if (v.size() >= 3 && is_usage(v[2])) return true;  // every real chunk carries usage
  if (!candidates) return false;
  for (const auto& c : v[0])
    if (!c[0].empty() && c[0].size() == 2) return true;  // content with the model's role
  return false;
}

// The first string found anywhere inside v ("" if none).
std::string first_string(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array())
    for (const auto& e : v) {
      auto s = first_string(e);
      if (!s.empty()) return s;
    }
  return {};
}

std::string compact(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

// Finds content and candidates anywhere below a chunk (older captures nest
// them differently) and turns parts into deltas.
struct walker {
  const wire_format& wire;
  std::vector<delta>& out;
  std::string& finish_reason;
  std::string& blocked_message;
  std::vector<std::string>& function_calls;

  void part(const json& p) {
    if (!p.is_array()) return;
    const std::size_t fc = wire.function_call_index;
    if (p.size() > fc && p[fc].is_array()) {
      function_calls.push_back(compact(p[fc]));
      return;
    }
    if (p.size() < 2 || !p[1].is_string()) return;
    const auto& text = p[1].get_ref<const std::string&>();
    if (text.empty()) return;  // e.g. a thought signature
    const std::size_t tf = wire.thought_flag_index;
    const bool thought = p.size() > tf && is_int(p[tf]) && p[tf].get<long long>() == 1;
    delta d;
    (thought ? d.reasoning : d.content) = text;
    // Adjacent pieces of the same kind in one chunk become one delta.
    if (!out.empty() && out.back().content.empty() == d.content.empty()) {
      out.back().content += d.content;
      out.back().reasoning += d.reasoning;
    } else {
      out.push_back(std::move(d));
    }
  }

  void candidate(const json& c) {
    if (c.size() >= 2 && is_int(c[1])) {
      auto it = wire.finish_codes.find(c[1].get<int>());
      finish_reason = it != wire.finish_codes.end() ? it->second : "other";
      if (finish_reason == "content_filter")
        blocked_message = c.size() > 3 && c[3].is_string() ? c[3].get<std::string>()
                                                            : "finish code " + c[1].dump();
    }
  }

  void walk(const json& node) {
    if (!node.is_array()) return;
    if (is_content(node, wire.model_role)) {
      for (const auto& p : node[0]) part(p);
      return;
    }
    if (is_candidate(node, wire.model_role)) {
      candidate(node);
      walk(node[0]);
      return;
    }
    for (const auto& child : node) walk(child);
  }
};

}  // namespace

stream_parser::stream_parser(wire_format wire) : wire_(std::move(wire)) {}

void stream_parser::fail(const std::string& why) {
  error_ = "GenerateContent stream: " + why;
  throw stream_parse_error(error_);
}

failure_kind stream_parser::stream_error_kind() const {
  auto it = wire_.error_kinds.find(stream_error_code_);
  if (it == wire_.error_kinds.end()) {
    // An `{"error":{...}}` object names its status instead of a code.
    if (stream_error_.find(wire_.rate_limit_body) != std::string::npos)
      return failure_kind::rate_limited;
    return failure_kind::site_error;
  }
  for (auto k : {failure_kind::login_lost, failure_kind::rate_limited,
                 failure_kind::quota_exceeded, failure_kind::site_error})
    if (it->second == to_string(k)) return k;
  return failure_kind::site_error;
}

bool stream_parser::take_error(const json& v) {
  if (v.is_object()) {
    auto e = v.find("error");
    if (e == v.end()) return false;
    stream_error_ = compact(*e);
    if (e->is_object()) stream_error_code_ = e->value("code", 0);
    return true;
  }
  if (!is_error_pair(v)) return false;
  stream_error_ = compact(v);
  stream_error_code_ = v[0].get<int>();
  return true;
}

void stream_parser::take_chunk(const json& chunk, std::vector<delta>& out) {
  ++chunks_;
  std::vector<delta> mine;  // merging stays within the chunk: one chunk, one delta per kind
  walker w{wire_, mine, finish_reason_, blocked_message_, function_calls_};
  w.walk(chunk);
  for (auto& d : mine) out.push_back(std::move(d));
  // A promptFeedback (the prompt itself was blocked) carries no candidates.
  if (chunk.size() >= 2 && chunk[1].is_array() && !chunk[1].empty()) {
    finish_reason_ = "content_filter";
    auto why = first_string(chunk[1]);
    blocked_message_ = why.empty() ? "the prompt was blocked: " + compact(chunk[1]) : why;
  }
  if (chunk.size() >= 3 && is_usage(chunk[2])) {
    const json& u = chunk[2];
    usage_.present = true;
    usage_.prompt_tokens = u[0].get<int>();
    const int candidates = is_int(u[1]) ? u[1].get<int>() : 0;
    usage_.reasoning_tokens = u.size() > 9 && is_int(u[9]) ? u[9].get<int>() : 0;
    usage_.completion_tokens = candidates + usage_.reasoning_tokens;
    usage_.total_tokens = u[2].get<int>();
  }
}

bool stream_parser::on_close(std::size_t depth, char open, std::string_view text,
                             std::vector<delta>& out) {
  const bool at_chunk_depth = chunk_depth_ >= 0 && depth == static_cast<std::size_t>(chunk_depth_);
  if (chunk_depth_ >= 0 && !at_chunk_depth) return false;
  json v = json::parse(text, nullptr, false);
  if (v.is_discarded()) fail("an element is not valid JSON");
  if (open == '{' || is_error_pair(v)) {
    if (take_error(v)) return true;
    if (depth == 0) fail("the body is not a JSON array");
    return at_chunk_depth;
  }
  if (chunk_depth_ < 0) {
    if (depth == 0) {
      // The whole body closed and no element had a chunk's shape: an old or
      // unknown layout. Read whatever answer parts it holds.
      for (const auto& e : v)
        if (e.is_array()) take_chunk(e, out);
      return true;
    }
    if (!is_chunk(v, wire_.model_role)) return false;
    chunk_depth_ = static_cast<long>(depth);
  }
  // Beside the chunks the list holds a trailing metadata element: skip it.
  if (is_chunk(v, wire_.model_role)) take_chunk(v, out);
  return true;
}

std::vector<delta> stream_parser::feed(std::string_view bytes) {
  if (!error_.empty()) throw stream_parse_error(error_);
  std::vector<delta> out;
  try {
    scanner_.feed(bytes, [&](std::size_t depth, char open, std::string_view text) {
      return on_close(depth, open, text, out);
    });
  } catch (const json_scan_error& e) {
    fail(e.what());
  }
  return out;
}

}  // namespace camoufleet::site
