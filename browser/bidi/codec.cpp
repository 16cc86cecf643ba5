#include "browser/bidi/codec.hpp"

#include <cmath>


namespace camoufleet::bidi {

using nlohmann::json;

std::string encode_command(std::int64_t id, const std::string& method, const json& params) {
  json msg = {{"id", id}, {"method", method}};
  msg["params"] = params.is_null() ? json::object() : params;
  return msg.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool read_id(const json& j, message& m) {
  auto id = j.find("id");
  if (id == j.end() || !id->is_number_integer()) return false;
  m.id = id->get<std::int64_t>();
  m.has_id = true;
  return true;
}

}  // namespace

message decode(const std::string& text) {
  message m;
  json j = browser::parse_frame_object(text, m.invalid_reason);
  if (j.is_discarded()) return m;
  const std::string type = string_field(j, "type");
  if (type == "success") {
    if (!read_id(j, m)) {
      m.invalid_reason = "success without an integer id";
      return m;
    }
    m.type = message::kind::success;
    auto res = j.find("result");
    m.result = res != j.end() && res->is_object() ? std::move(*res) : json::object();
    return m;
  }
  if (type == "error") {
    read_id(j, m);  // null when the command itself could not be parsed
    m.type = message::kind::error;
    m.error_code = string_field(j, "error");
    if (m.error_code.empty()) m.error_code = "unknown error";
    m.error_message = string_field(j, "message");
    m.stacktrace = string_field(j, "stacktrace");
    return m;
  }
  if (type == "event") {
    auto method = j.find("method");
    if (method == j.end() || !method->is_string()) {
      m.invalid_reason = "event without a method";
      return m;
    }
    m.type = message::kind::event;
    m.method = method->get<std::string>();
    auto params = j.find("params");
    m.params = params != j.end() && params->is_object() ? std::move(*params) : json::object();
    return m;
  }
  m.invalid_reason = type.empty() ? "no \"type\"" : "unknown type \"" + type + "\"";
  return m;
}

json result_or_throw(const std::string& method, const json& reply_frame) {
  message m = decode(reply_frame.dump());
  if (m.type == message::kind::success) return std::move(m.result);
  if (m.type == message::kind::error) throw error(method, m.error_code, m.error_message);
  throw error(method, "unknown error", "unexpected reply: " + m.invalid_reason);
}

namespace {

std::string encode_for_connection(std::int64_t id, const std::string& method, const json& params,
                                  const std::string& /*session_id: BiDi has none*/) {
  return encode_command(id, method, params);
}

browser::incoming_message decode_for_connection(const std::string& text) {
  browser::incoming_message out;
  message m = decode(text);
  switch (m.type) {
    case message::kind::success:
    case message::kind::error:
      if (!m.has_id) {
        out.invalid_reason = "BiDi error about no command: " + m.error_code + ": " + m.error_message;
        return out;
      }
      out.type = browser::incoming_message::kind::reply;
      out.id = m.id;
      out.result = json::parse(text, nullptr, false);  // the whole frame, for result_or_throw
      return out;
    case message::kind::event:
      out.type = browser::incoming_message::kind::event;
      out.method = std::move(m.method);
      out.params = std::move(m.params);
      return out;
    case message::kind::invalid:
      break;
  }
  out.invalid_reason = m.invalid_reason;
  return out;
}

}  // namespace

browser::framing bidi_framing() {
  browser::framing c;
  c.encode = encode_for_connection;
  c.decode = decode_for_connection;
  return c;
}

// --- values ------------------------------------------------------------------

json to_local_value(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return {{"type", "null"}};
    case json::value_t::boolean:
      return {{"type", "boolean"}, {"value", value.get<bool>()}};
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return {{"type", "number"}, {"value", value}};
    case json::value_t::string:
      return {{"type", "string"}, {"value", value}};
    case json::value_t::array: {
      json items = json::array();
      for (const auto& v : value) items.push_back(to_local_value(v));
      return {{"type", "array"}, {"value", std::move(items)}};
    }
    case json::value_t::object: {
      json pairs = json::array();
      for (auto it = value.begin(); it != value.end(); ++it) {
        pairs.push_back(json::array({it.key(), to_local_value(it.value())}));
      }
      return {{"type", "object"}, {"value", std::move(pairs)}};
    }
    case json::value_t::binary:
      break;
  }
  return {{"type", "null"}};
}

namespace {

std::string key_text(const json& key) {
  if (key.is_string()) return key.get<std::string>();
  json plain = from_remote_value(key);
  return plain.is_string() ? plain.get<std::string>() : plain.dump();
}

}  // namespace

json from_remote_value(const json& remote) {
  if (!remote.is_object()) return nullptr;
  const std::string type = string_field(remote, "type");
  auto value = remote.find("value");
  const bool has_value = value != remote.end();
  if (type == "undefined" || type == "null") return nullptr;
  if (type == "boolean" || type == "string") return has_value ? *value : json();
  if (type == "number") {
    if (!has_value) return nullptr;
    if (value->is_number()) return *value;
    // "NaN", "Infinity", "-Infinity" as JSON.stringify: null; "-0": 0.
    return value->is_string() && value->get<std::string>() == "-0" ? json(0) : json();
  }
  if (type == "bigint") return has_value ? *value : json();
  if (type == "date" || type == "regexp") {
    if (!has_value) return nullptr;
    if (value->is_string()) return *value;
    // regexp: {"pattern","flags"}
    return "/" + string_field(*value, "pattern") + "/" + string_field(*value, "flags");
  }
  if (type == "array" || type == "set") {
    json out = json::array();
    if (has_value && value->is_array()) {
      for (const auto& item : *value) out.push_back(from_remote_value(item));
    }
    return out;
  }
  if (type == "object" || type == "map") {
    json out = json::object();
    if (has_value && value->is_array()) {
      for (const auto& pair : *value) {
        if (!pair.is_array() || pair.size() != 2) continue;
        out[key_text(pair[0])] = from_remote_value(pair[1]);
      }
    }
    return out;
  }
  return {{"type", type}};
}

std::string session_url(const std::string& endpoint) {
  const browser::ws_url_parts parts = browser::parse_ws_url(endpoint);  // throws on a bad one
  std::string target = parts.target;
  while (target.size() > 1 && target.back() == '/') target.pop_back();
  if (target != "/" && target != "/session") {
    throw core::driver_error(core::failure_kind::browser_gone,
                            "not a WebDriver BiDi endpoint (want ws://host:port or ws://host:port/session): " +
                                endpoint);
  }
  const bool v6 = parts.host.find(':') != std::string::npos;
  return "ws://" + (v6 ? "[" + parts.host + "]" : parts.host) + ":" + parts.port + "/session";
}

}  // namespace camoufleet::bidi
