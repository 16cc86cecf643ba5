#include "browser/cdp/protocol.hpp"

namespace camoufleet::browser::cdp {

using nlohmann::json;

std::string encode_command(std::int64_t id, const std::string& method, const json& params,
                           const std::string& session_id) {
  json msg = {{"id", id}, {"method", method}};
  msg["params"] = params.is_null() ? json::object() : params;
  if (!session_id.empty()) msg["sessionId"] = session_id;
  // Invalid UTF-8 in a page's text must not take the connection down: replace it.
  return msg.dump(-1, ' ', false, json::error_handler_t::replace);
}

incoming_message decode_message(const std::string& text) {
  incoming_message m;
  json j = parse_frame_object(text, m.invalid_reason);
  if (j.is_discarded()) return m;
  if (auto s = j.find("sessionId"); s != j.end() && s->is_string()) m.session_id = s->get<std::string>();

  if (auto id = j.find("id"); id != j.end()) {
    if (!id->is_number_integer()) {
      m.invalid_reason = "non-integer id";
      return m;
    }
    m.type = incoming_message::kind::reply;
    m.id = id->get<std::int64_t>();
    if (auto err = j.find("error"); err != j.end()) {
      m.is_error = true;
      if (err->is_object()) {
        m.error_code = err->value("code", 0);
        auto msg = err->find("message");
        m.error_message = (msg != err->end() && msg->is_string()) ? msg->get<std::string>() : err->dump();
        if (auto data = err->find("data"); data != err->end()) {
          m.error_message += " (" + (data->is_string() ? data->get<std::string>() : data->dump()) + ")";
        }
      } else {
        m.error_message = err->dump();
      }
    } else if (auto res = j.find("result"); res != j.end()) {
      m.result = std::move(*res);
    } else {
      m.result = json::object();
    }
    return m;
  }

  if (auto method = j.find("method"); method != j.end() && method->is_string()) {
    m.type = incoming_message::kind::event;
    m.method = method->get<std::string>();
    auto params = j.find("params");
    m.params = (params != j.end() && params->is_object()) ? std::move(*params) : json::object();
    return m;
  }

  m.invalid_reason = "neither a reply nor an event";
  return m;
}

framing cdp_framing() {
  framing f;
  f.encode = [](std::int64_t id, const std::string& method, const json& params,
                const std::string& session_id) { return encode_command(id, method, params, session_id); };
  f.decode = decode_message;
  return f;
}

}  // namespace camoufleet::browser::cdp
