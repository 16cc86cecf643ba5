#include "site/stream_parser.hpp"

#include <nlohmann/json.hpp>

namespace camoufleet::site {
namespace {

using nlohmann::json;

constexpr int max_depth = 256;  // deeper than any real chunk; bounds the parser's work
constexpr std::string_view xssi_prefix = ")]}'";

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

}  // namespace

stream_parser::stream_parser(wire_format wire) : wire_(std::move(wire)) {}

void stream_parser::fail(const std::string& why) {
  state_ = state::failed;
  error_ = "GenerateContent stream: " + why + " (at byte " + std::to_string(offset_) + ")";
  throw stream_parse_error(error_);
}

std::vector<delta> stream_parser::feed(std::string_view bytes) {
  std::vector<delta> out;
  if (state_ == state::failed) throw stream_parse_error(error_);
  for (char c : bytes) {
    switch (state_) {
      case state::before_open:
        if (c == '[' && xssi_pos_ == 0) {
          state_ = state::between;
          expect_element_ = true;
        } else if (xssi_pos_ < xssi_prefix.size() && c == xssi_prefix[xssi_pos_]) {
          // Google's anti-JSON-hijacking prefix may precede the array.
          ++xssi_pos_;
          if (xssi_pos_ == xssi_prefix.size()) xssi_pos_ = 0;
        } else if (!is_space(c) || xssi_pos_ != 0) {
          fail("the body does not start with a JSON array");
        }
        break;

      case state::between:
        if (is_space(c)) break;
        if (c == ']') {
          if (expect_element_ && chunks_ > 0) fail("a comma is followed by the closing bracket");
          state_ = state::done;
        } else if (c == ',') {
          if (expect_element_) fail("an empty element");
          expect_element_ = true;
        } else {
          if (!expect_element_) fail("a missing comma between chunks");
          if (c == '}') fail("an unexpected '}'");
          state_ = state::in_chunk;
          chunk_.assign(1, c);
          in_string_ = c == '"';
          escape_ = false;
          scalar_chunk_ = !(c == '[' || c == '{');
          depth_ = scalar_chunk_ ? 0 : 1;
        }
        break;

      case state::in_chunk:
        if (in_string_) {
          chunk_.push_back(c);
          if (escape_) {
            escape_ = false;
          } else if (c == '\\') {
            escape_ = true;
          } else if (c == '"') {
            in_string_ = false;
          }
          break;
        }
        if (scalar_chunk_ && depth_ == 0 && (c == ',' || c == ']')) {
          finish_chunk(out);
          if (c == ']') {
            state_ = state::done;
          } else {
            state_ = state::between;
            expect_element_ = true;
          }
          break;
        }
        chunk_.push_back(c);
        if (c == '"') {
          in_string_ = true;
        } else if (c == '[' || c == '{') {
          if (++depth_ > max_depth) fail("nesting too deep");
        } else if (c == ']' || c == '}') {
          if (depth_ == 0) fail("an unbalanced closing bracket");
          if (--depth_ == 0 && !scalar_chunk_) {
            finish_chunk(out);
            state_ = state::between;
            expect_element_ = false;
          }
        }
        break;

      case state::done:
        if (!is_space(c)) fail("data after the end of the array");
        break;

      case state::failed:
        throw stream_parse_error(error_);
    }
    ++offset_;
  }
  return out;
}

namespace {

struct walker {
  const wire_format& wire;
  std::vector<delta>& out;
  std::string& finish_reason;
  std::vector<std::string>& function_calls;
  std::string& stream_error;

  // `[parts, "model"]`: the content of a candidate, wherever it sits.
  bool is_content(const json& node) const {
    return node.is_array() && node.size() >= 2 && node[0].is_array() && node[1].is_string() &&
           node[1].get_ref<const std::string&>() == wire.model_role;
  }

  void parts(const json& list) {
    for (const auto& part : list) {
      if (!part.is_array()) continue;
      if (part.size() == wire.function_call_part_length && wire.function_call_index < part.size() &&
          part[wire.function_call_index].is_array() && part[1].is_null()) {
        function_calls.push_back(
            part[wire.function_call_index].dump(-1, ' ', false, json::error_handler_t::replace));
        continue;
      }
      if (part.size() < wire.text_part_length || !part[1].is_string()) continue;
      const auto& text = part[1].get_ref<const std::string&>();
      if (text.empty()) continue;
      delta d;
      if (part.size() == wire.text_part_length)
        d.content = text;
      else
        d.reasoning = text;
      // Adjacent pieces of the same kind in one chunk become one delta.
      if (!out.empty() && out.back().content.empty() == d.content.empty()) {
        out.back().content += d.content;
        out.back().reasoning += d.reasoning;
      } else {
        out.push_back(std::move(d));
      }
    }
  }

  void walk(const json& node) {
    if (node.is_object()) {
      auto e = node.find("error");
      if (e != node.end()) stream_error = e->dump(-1, ' ', false, json::error_handler_t::replace);
      return;
    }
    if (!node.is_array()) return;
    if (is_content(node)) {
      parts(node[0]);
      return;
    }
    // A candidate `[[parts, "model"], finish]` carries the finish reason.
    if (node.size() >= 2 && is_content(node[0]) && node[1].is_number_integer()) {
      auto it = wire.finish_codes.find(node[1].get<int>());
      finish_reason = it != wire.finish_codes.end() ? it->second : "other";
    }
    for (const auto& child : node) walk(child);
  }
};

bool is_usage(const json& node) {
  if (!node.is_array() || node.size() < 2) return false;
  for (std::size_t i = 0; i < node.size() && i < 3; ++i)
    if (!node[i].is_number_integer()) return false;
  return true;
}

}  // namespace

void stream_parser::finish_chunk(std::vector<delta>& out) {
  json chunk = json::parse(chunk_, nullptr, false);
  if (chunk.is_discarded()) fail("chunk " + std::to_string(chunks_) + " is not valid JSON");
  ++chunks_;
  chunk_.clear();
  std::vector<delta> mine;
  walker w{wire_, mine, finish_reason_, function_calls_, stream_error_};
  w.walk(chunk);
  // Usage is the chunk's third element: `[[candidate], null, [prompt, candidates, total]]`.
  if (chunk.is_array() && chunk.size() >= 3 && is_usage(chunk[2])) {
    usage_.present = true;
    usage_.prompt_tokens = chunk[2][0].get<int>();
    usage_.completion_tokens = chunk[2][1].get<int>();
    usage_.total_tokens = chunk[2].size() >= 3 ? chunk[2][2].get<int>()
                                               : usage_.prompt_tokens + usage_.completion_tokens;
  }
  for (auto& d : mine) out.push_back(std::move(d));
}

}  // namespace camoufleet::site
