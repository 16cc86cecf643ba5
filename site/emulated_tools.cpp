// Emulated function calling (site/emulated_tools.hpp): the prompt block,
// finding written calls in an answer, and holding them back while streaming.
#include "site/emulated_tools.hpp"

#include <algorithm>

#include "site/json_scanner.hpp"

namespace camoufleet::site {

using nlohmann::json;

namespace {

const char* const fence = "```";
const char* const upstream_marker = "Request function call:";
// What may start a call at the beginning of a line (emulated_stream).
const char* const line_markers[] = {fence, "{", upstream_marker};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// The end (one past the '}') of the JSON object opening at `from`; npos
// when it is not valid JSON or does not close.
std::size_t object_end(const std::string& s, std::size_t from) {
  std::size_t end = std::string::npos;
  json_scanner scanner;
  try {
    scanner.feed(std::string_view(s).substr(from), [&](std::size_t depth, char, std::string_view text) {
      if (depth == 0) end = from + text.size();
      return false;
    });
  } catch (const json_scan_error&) {
    // Text after the object, or a broken object (then end stays npos).
  }
  return end;
}

struct found {
  std::size_t begin, end;
  std::vector<function_call> calls;
};

// One call object; false when it is not one of a declared function.
bool read_call(const json& c, const std::vector<std::string>& declared, function_call& out) {
  if (!c.is_object() || !c.contains("name") || !c["name"].is_string()) return false;
  out.name = c["name"].get<std::string>();
  if (std::find(declared.begin(), declared.end(), out.name) == declared.end()) return false;
  json args = c.value("arguments", json::object());
  if (args.is_string()) args = json::parse(args.get<std::string>(), nullptr, false);
  if (args.is_null()) args = json::object();
  if (!args.is_object()) return false;
  out.arguments = std::move(args);
  return true;
}

// `{"tool_calls":[...]}` -> calls; false when broken.
bool read_calls_object(const json& j, const std::vector<std::string>& declared,
                       std::vector<function_call>& out) {
  if (!j.is_object() || !j.contains("tool_calls") || !j["tool_calls"].is_array() ||
      j["tool_calls"].empty())
    return false;
  for (const auto& c : j["tool_calls"]) {
    function_call call;
    if (!read_call(c, declared, call)) return false;
    out.push_back(std::move(call));
  }
  return true;
}

bool inside(const std::vector<std::pair<std::size_t, std::size_t>>& ranges, std::size_t pos) {
  for (const auto& r : ranges)
    if (pos >= r.first && pos < r.second) return true;
  return false;
}

// Scans the answer; false when a call block is broken.
bool find_calls(const std::string& s, const std::vector<std::string>& declared,
                call_forms forms, std::vector<found>& out) {
  const bool written_json = forms == call_forms::all;
  std::vector<std::pair<std::size_t, std::size_t>> fences;  // every fenced block
  for (std::size_t p = s.find(fence); p != std::string::npos; p = s.find(fence, p)) {
    const std::size_t eol = std::min(s.find('\n', p), s.size());
    const std::string info = trim(std::string_view(s).substr(p + 3, eol - p - 3));
    const std::size_t body = std::min(eol + 1, s.size());
    std::size_t close = s.find(fence, body);
    const std::size_t end = close == std::string::npos ? s.size() : close + 3;
    if (close == std::string::npos) close = s.size();
    fences.emplace_back(p, end);
    const std::string text = trim(std::string_view(s).substr(body, close - body));
    const bool named = info == "tool_calls";
    if (written_json && (named || info == "json" || info.empty())) {
      const json j = json::parse(text, nullptr, false);
      const bool claims = named || (j.is_object() && j.contains("tool_calls")) ||
                          (j.is_discarded() && text.find("\"tool_calls\"") != std::string::npos);
      if (claims) {
        found f{p, end, {}};
        if (!read_calls_object(j, declared, f.calls)) return false;
        out.push_back(std::move(f));
      }
    }
    p = end;
  }
  for (std::size_t p = written_json ? s.find('{') : std::string::npos; p != std::string::npos;
       p = s.find('{', p + 1)) {
    if (inside(fences, p)) continue;
    const auto key = s.find_first_not_of(" \t\r\n", p + 1);
    if (key == std::string::npos || s.compare(key, 12, "\"tool_calls\"") != 0) continue;
    const std::size_t end = object_end(s, p);
    if (end == std::string::npos) return false;
    found f{p, end, {}};
    if (!read_calls_object(json::parse(s.substr(p, end - p), nullptr, false), declared, f.calls))
      return false;
    out.push_back(std::move(f));
    p = end - 1;
  }
  for (std::size_t p = s.find(upstream_marker); p != std::string::npos;
       p = s.find(upstream_marker, p + 1)) {
    if (inside(fences, p)) continue;
    // Native mode is strict: the marker opens a line and Parameters follow
    // (an answer quoting the flattened history in its prose is no call).
    const bool strict = !written_json;
    if (strict) {
      const auto line = s.rfind('\n', p);
      const std::size_t from = line == std::string::npos ? 0 : line + 1;
      if (s.find_first_not_of(" \t", from) != p) continue;
    }
    const std::size_t eol = std::min(s.find('\n', p), s.size());
    std::string name = trim(std::string_view(s).substr(p + 22, eol - p - 22));
    name = trim(name.substr(0, name.find(" (")));
    found f{p, eol, {}};
    json call = {{"name", name}};
    const auto next = s.find_first_not_of(" \t\r\n", eol);
    if (next != std::string::npos && s.compare(next, 11, "Parameters:") == 0) {
      const auto open = s.find_first_not_of(" \t", next + 11);
      const std::size_t end = open == std::string::npos || s[open] != '{'
                                  ? std::string::npos : object_end(s, open);
      if (end == std::string::npos) return false;
      call["arguments"] = json::parse(s.substr(open, end - open), nullptr, false);
      if (call["arguments"].is_discarded()) return false;
      f.end = end;
    } else if (strict) {
      continue;
    }
    function_call c;
    if (!read_call(call, declared, c)) return false;
    f.calls.push_back(std::move(c));
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const found& a, const found& b) { return a.begin < b.begin; });
  return true;
}

}  // namespace

std::string emulated_tools_prompt(const std::string& declarations_json) {
  return "Functions you can call (a JSON array: name, description, parameters as JSON Schema):\n" +
         declarations_json +
         "\nTo call functions, answer with exactly one block like this and nothing after it:\n"
         "```tool_calls\n"
         "{\"tool_calls\":[{\"name\":\"FUNCTION_NAME\",\"arguments\":{\"PARAMETER\":\"VALUE\"}}]}\n"
         "```\n"
         "Several calls in the one list are made in parallel. The results come back as "
         "\"Tool result (tool_call_id=ID):\" turns. When no function is needed, answer in plain "
         "text without such a block.";
}

std::vector<std::string> declared_names(const std::string& declarations_json) {
  std::vector<std::string> names;
  const json j = json::parse(declarations_json, nullptr, false);
  if (!j.is_array()) return names;
  for (const auto& d : j)
    if (d.is_object() && d.contains("name") && d["name"].is_string())
      names.push_back(d["name"].get<std::string>());
  return names;
}

emulated_answer parse_emulated_answer(const std::string& answer,
                                      const std::vector<std::string>& declared,
                                      call_forms forms) {
  emulated_answer out;
  std::vector<found> blocks;
  if (!find_calls(answer, declared, forms, blocks) || blocks.empty()) {
    out.text = answer;
    return out;
  }
  std::string rest;
  std::size_t from = 0;
  for (auto& b : blocks) {
    if (b.begin < from) continue;  // nested in an earlier block
    rest.append(answer, from, b.begin - from);
    from = b.end;
    out.spans.emplace_back(b.begin, b.end);
    for (auto& c : b.calls) out.calls.push_back(std::move(c));
  }
  rest.append(answer, from, std::string::npos);
  out.text = trim(rest);
  return out;
}

std::string emulated_stream::feed(std::string_view chunk) {
  const std::size_t before = released_;
  for (const char c : chunk) {
    all_ += c;
    if (holding_) continue;
    const std::size_t end = all_.size();
    if (line_decided_) {
      released_ = end;
    } else if (c == '\n') {
      released_ = end;  // a line that only held a marker's beginning
    } else {
      const std::string_view line(all_.data() + line_start_, end - line_start_);
      const auto lead = line.find_first_not_of(" \t");
      if (lead != std::string_view::npos) {
        const std::string_view t = line.substr(lead);
        bool maybe = false;
        for (const char* m : line_markers) {
          if (forms_ == call_forms::upstream_only && m != upstream_marker) continue;
          if (starts_with(t, m)) holding_ = true;
          else if (starts_with(m, t)) maybe = true;
        }
        if (!holding_ && !maybe) {
          line_decided_ = true;
          released_ = end;
        }
      }
    }
    if (c == '\n') {
      line_start_ = end;
      line_decided_ = false;
    }
  }
  return all_.substr(before, released_ - before);
}

emulated_stream::ending emulated_stream::finish(const std::vector<std::string>& declared) const {
  ending out;
  out.answer = parse_emulated_answer(all_, declared, forms_);
  out.held = all_.substr(released_);
  if (out.answer.calls.empty()) {
    out.tail = out.held;
    return out;
  }
  std::string rest;
  std::size_t from = released_;
  for (const auto& [b, e] : out.answer.spans) {
    if (e <= from) continue;
    if (b > from) rest.append(all_, from, b - from);
    from = e;
  }
  if (from < all_.size()) rest.append(all_, from, std::string::npos);
  out.tail = trim(rest);
  return out;
}

std::string adopt_written_calls(const emulated_stream& stream,
                                const std::vector<std::string>& declared,
                                core::generation_result& result) {
  auto end = stream.finish(declared);
  const bool native = stream.forms() == call_forms::upstream_only;
  if (end.answer.calls.empty() || (native && !result.tool_calls.empty())) return end.held;
  result.content = end.answer.text;
  result.tool_calls = to_tool_calls(end.answer.calls);
  if (result.finish_reason == "stop" || result.finish_reason.empty()) result.finish_reason = "tool_calls";
  return end.tail;
}

}  // namespace camoufleet::site
