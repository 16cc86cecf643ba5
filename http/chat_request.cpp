#include "http/chat_request.hpp"
#include "http/request_parts.hpp"
#include "http/file_parts.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

#include <nlohmann/json.hpp>

namespace camoufleet::http {

namespace {

using json = nlohmann::json;

chat_parse_result fail(std::string message, std::string param = {}) {
  chat_parse_result r;
  r.ok = false;
  r.error.status = 400;
  r.error.message = std::move(message);
  r.error.param = std::move(param);
  return r;
}

const char* type_name(const json& v) { return json_type_name(v); }

// Counts bracket nesting outside of strings; the JSON parser reports the
// syntax errors, this only bounds the depth.
bool depth_within(std::string_view s, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

chat_parse_result fail_with(const request_error& e) { return fail(e.message, e.param); }

// Text parts are joined; image_url parts of a user turn become attachments;
// everything else is refused by name instead of silently dropped.
bool read_content(const json& content, const std::string& role, const std::string& where,
                  std::string& out, std::vector<core::attachment>& files,
                  chat_parse_result& err) {
  if (content.is_string()) {
    out = content.get<std::string>();
    return true;
  }
  if (content.is_null()) {
    // An assistant turn that only carried tool calls has no content.
    if (role == "assistant" || role == "tool") {
      out.clear();
      return true;
    }
    err = fail("Invalid value for '" + where + "': content must not be null for role '" +
                   role + "'.",
               where);
    return false;
  }
  if (!content.is_array()) {
    err = fail("Invalid type for '" + where + "': expected a string or an array of content "
                   "parts, but got " + type_name(content) + ".",
               where);
    return false;
  }
  std::string joined;
  std::size_t index = 0;
  std::size_t texts = 0;
  for (const auto& part : content) {
    const std::string part_where = where + "[" + std::to_string(index) + "]";
    if (!part.is_object()) {
      err = fail("Invalid type for '" + part_where + "': expected an object, but got " +
                     type_name(part) + ".",
                 part_where);
      return false;
    }
    auto type = part.find("type");
    if (type == part.end() || !type->is_string()) {
      err = fail("Missing required parameter: '" + part_where + ".type'.", part_where + ".type");
      return false;
    }
    const auto type_value = type->get<std::string>();
    if ((type_value == "image_url" || type_value == "file" || type_value == "input_audio") &&
        role == "user") {
      core::attachment file;
      auto e = type_value == "file"        ? read_file_part(part, part_where, file)
               : type_value == "input_audio" ? read_audio_part(part, part_where, file)
                                             : read_image_part(part, part_where, file,
                                                               err.fetch_image_urls);
      if (e) {
        err = fail_with(*e);
        return false;
      }
      files.push_back(std::move(file));
      ++index;
      continue;
    }
    if (type_value != "text") {
      err = fail("Unsupported content part type '" + type_value + "' in '" + part_where +
                     ".type': only 'text' parts" +
                     (role == "user" ? ", 'image_url', 'file' and 'input_audio' parts" : "") +
                     " are supported" +
                     (type_value == "image_url" || type_value == "file" ||
                              type_value == "input_audio"
                          ? " for role '" + role + "'."
                          : "."),
                 part_where + ".type");
      return false;
    }
    auto text = part.find("text");
    if (text == part.end() || !text->is_string()) {
      err = fail("Invalid value for '" + part_where + ".text': expected a string.",
                 part_where + ".text");
      return false;
    }
    if (texts++ > 0) joined += '\n';
    joined += text->get<std::string>();
    ++index;
  }
  out = std::move(joined);
  return true;
}

bool read_number(const json& body, const char* name, double lo, double hi, double& out,
                 chat_parse_result& err) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_number()) {
    err = fail(std::string("Invalid type for '") + name + "': expected a number, but got " +
                   type_name(*it) + ".",
               name);
    return false;
  }
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < lo || v > hi) {
    err = fail(std::string("Invalid value for '") + name + "': expected a number between " +
                   json(lo).dump() + " and " + json(hi).dump() + ".",
               name);
    return false;
  }
  out = v;
  return true;
}

bool read_token_limit(const json& body, const char* name, int& out, chat_parse_result& err) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return true;
  bool integral = it->is_number_integer() || it->is_number_unsigned();
  if (it->is_number_float()) {
    const double d = it->get<double>();
    integral = std::isfinite(d) && std::floor(d) == d;
  }
  if (!integral) {
    err = fail(std::string("Invalid type for '") + name + "': expected an integer, but got " +
                   (it->is_number() ? "a fraction" : type_name(*it)) + ".",
               name);
    return false;
  }
  const double v = it->get<double>();
  if (v < 1 || v > static_cast<double>(INT_MAX)) {
    err = fail(std::string("Invalid value for '") + name +
                   "': expected a positive integer no larger than " + std::to_string(INT_MAX) +
                   ".",
               name);
    return false;
  }
  out = static_cast<int>(v);
  return true;
}

bool read_bool(const json& obj, const char* name, const std::string& where, bool& out,
               chat_parse_result& err) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_boolean()) {
    err = fail("Invalid type for '" + where + "': expected a boolean, but got " +
                   type_name(*it) + ".",
               where);
    return false;
  }
  out = it->get<bool>();
  return true;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
      return false;  // overlong
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::optional<request_error> read_json_body(std::string_view body, json& doc) {
  if (!is_valid_utf8(body)) return bad_field("The request body is not valid UTF-8.", "");
  if (!depth_within(body, max_json_depth))
    return bad_field("The JSON body of your request is nested too deeply.", "");
  doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded())
    return bad_field(
        "We could not parse the JSON body of your request. (HINT: This likely "
        "means you aren't using your HTTP library correctly. The OpenAI API "
        "expects a JSON payload, but what was sent was not valid JSON.)",
        "");
  if (!doc.is_object())
    return bad_field(
        std::string("The request body must be a JSON object, but got ") + type_name(doc) + ".", "");
  return std::nullopt;
}

chat_parse_result parse_chat_request(std::string_view body, bool fetch_image_urls) {
  json doc;
  if (auto e = read_json_body(body, doc)) return fail_with(*e);
  return parse_chat_document(doc, fetch_image_urls);
}

chat_parse_result parse_chat_document(const json& doc, bool fetch_image_urls) {
  chat_parse_result r;
  r.fetch_image_urls = fetch_image_urls;
  auto& req = r.request;

  // model: optional; "" lets the page keep its current model.
  if (auto it = doc.find("model"); it != doc.end() && !it->is_null()) {
    if (!it->is_string())
      return fail(std::string("Invalid type for 'model': expected a string, but got ") +
                      type_name(*it) + ".",
                  "model");
    req.params.model = it->get<std::string>();
    // Clients copy ids from /v1/models of the site, which may carry the prefix.
    if (req.params.model.rfind("models/", 0) == 0) req.params.model.erase(0, 7);
  }

  auto messages = doc.find("messages");
  if (messages == doc.end() || messages->is_null())
    return fail("Missing required parameter: 'messages'.", "messages");
  if (!messages->is_array())
    return fail(std::string("Invalid type for 'messages': expected an array, but got ") +
                    type_name(*messages) + ".",
                "messages");
  if (messages->empty())
    return fail("Invalid 'messages': empty array. Expected an array with minimum length 1.",
                "messages");

  std::size_t index = 0;
  std::size_t images = 0;
  for (const auto& m : *messages) {
    const std::string where = "messages[" + std::to_string(index) + "]";
    if (!m.is_object())
      return fail("Invalid type for '" + where + "': expected an object, but got " +
                      type_name(m) + ".",
                  where);
    auto role = m.find("role");
    if (role == m.end() || role->is_null())
      return fail("Missing required parameter: '" + where + ".role'.", where + ".role");
    if (!role->is_string())
      return fail("Invalid type for '" + where + ".role': expected a string, but got " +
                      type_name(*role) + ".",
                  where + ".role");
    std::string role_value = role->get<std::string>();
    if (role_value == "developer") role_value = "system";
    if (role_value != "system" && role_value != "user" && role_value != "assistant" &&
        role_value != "tool")
      return fail("Invalid value for '" + where + ".role': '" + role->get<std::string>() +
                      "'. Supported values are: 'system', 'developer', 'user', 'assistant' "
                      "and 'tool'.",
                  where + ".role");
    auto content = m.find("content");
    if (content == m.end() && role_value != "assistant")
      return fail("Missing required parameter: '" + where + ".content'.", where + ".content");
    core::chat_message msg;
    msg.role = role_value;
    if (content != m.end() && !read_content(*content, role_value, where + ".content",
                                            msg.content, msg.attachments, r))
      return r;
    if (role_value == "assistant") {
      if (auto e = read_tool_calls(m, where, msg.tool_calls)) return fail_with(*e);
    } else if (role_value == "tool") {
      if (auto e = read_tool_call_id(m, where, msg.tool_call_id)) return fail_with(*e);
    }
    images += msg.attachments.size();
    if (images > max_images)
      return fail("Invalid 'messages': more than " + std::to_string(max_images) +
                      " images and files in one request.",
                  where + ".content");
    req.messages.push_back(std::move(msg));
    ++index;
  }
  // Empty turns are dropped from the prompt (cdp/prompt.hpp): with nothing
  // left, no browser could do anything but fail.
  const bool any_text = std::any_of(req.messages.begin(), req.messages.end(), [](const auto& m) {
    return m.content.find_first_not_of(" \t\r\n") != std::string::npos ||
           !m.tool_calls.empty() || !m.attachments.empty();
  });
  if (!any_text)
    return fail("Invalid 'messages': no message has any text content, so there is nothing "
                "to answer.",
                "messages");

  if (!read_bool(doc, "stream", "stream", req.stream, r)) return r;
  if (auto it = doc.find("stream_options"); it != doc.end() && !it->is_null()) {
    if (!it->is_object())
      return fail(std::string("Invalid type for 'stream_options': expected an object, but "
                              "got ") + type_name(*it) + ".",
                  "stream_options");
    if (!read_bool(*it, "include_usage", "stream_options.include_usage", r.include_usage, r))
      return r;
  }

  if (!read_number(doc, "temperature", 0.0, 2.0, req.params.temperature, r)) return r;
  if (!read_number(doc, "top_p", 0.0, 1.0, req.params.top_p, r)) return r;

  // The newest name wins when a client sends several (SDKs migrating fields).
  for (const char* name : {"max_output_tokens", "max_tokens", "max_completion_tokens"}) {
    int limit = -1;
    if (!read_token_limit(doc, name, limit, r)) return r;
    if (limit > 0) req.params.max_output_tokens = limit;
  }

  if (auto e = read_stop(doc, req.params)) return fail_with(*e);

  if (auto it = doc.find("reasoning_effort"); it != doc.end() && !it->is_null()) {
    if (!it->is_string())
      return fail(std::string("Invalid type for 'reasoning_effort': expected a string, but "
                              "got ") + type_name(*it) + ".",
                  "reasoning_effort");
    std::string effort = it->get<std::string>();
    if (effort != "none" && effort != "minimal" && effort != "low" && effort != "medium" &&
        effort != "high")
      return fail("Invalid value for 'reasoning_effort': '" + effort +
                      "'. Supported values are: 'none', 'minimal', 'low', 'medium' and 'high'.",
                  "reasoning_effort");
    // The site has no "minimal" level; its lowest thinking budget is "low".
    if (effort == "minimal") effort = "low";
    req.params.reasoning_effort = effort;
  }

  if (auto e = read_tools(doc, req.params)) return fail_with(*e);
  if (auto e = read_web_search(doc, req.params)) return fail_with(*e);
  if (auto e = read_response_format(doc, req.params)) return fail_with(*e);
  // A streamed answer cannot be taken back: only a reply is asked for again.
  req.params.ask_again = !req.stream;

  if (auto e = read_choices(doc, max_choices, r.choices)) return fail_with(*e);

  r.ok = true;
  return r;
}

}  // namespace camoufleet::http
