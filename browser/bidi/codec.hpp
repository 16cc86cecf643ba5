#pragma once
// WebDriver BiDi framing without I/O: commands out, and what Firefox sends
// back classified as a success reply, an error reply (with the BiDi error
// code, e.g. "no such frame"), or an event. Also the value conversions
// between plain JSON and BiDi's LocalValue / RemoteValue shapes. Pure and
// single-threaded: unit tested without sockets.
//
// Ids are allocated and matched by the shared channel (browser/channel.hpp);
// bidi_framing() is this framing for it.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/chat.hpp"
#include "browser/channel_framing.hpp"

namespace camoufleet::bidi {

using core::driver_error;
using core::failure_kind;

// A failed BiDi command: driver_error(site_error) that keeps the BiDi error
// code ("no such frame", "unknown command", "invalid argument", ...).
class error : public core::driver_error {
 public:
  error(std::string method, std::string code, const std::string& message)
      : core::driver_error(core::failure_kind::site_error, method + ": " + code + ": " + message),
        method_(std::move(method)), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }
  const std::string& method() const noexcept { return method_; }

 private:
  std::string method_;
  std::string code_;
};

// {"id","method","params"}; params null becomes {}. Invalid UTF-8 is replaced.
std::string encode_command(std::int64_t id, const std::string& method, const nlohmann::json& params);

// One decoded frame.
struct message {
  enum class kind { success, error, event, invalid };
  kind type = kind::invalid;
  std::int64_t id = 0;        // success / error (an error about an unparsable command has none: has_id false)
  bool has_id = false;
  nlohmann::json result;      // success: "result" (an object)
  std::string error_code;     // error: "error"
  std::string error_message;  // error: "message"
  std::string stacktrace;     // error: "stacktrace" (may be empty)
  std::string method;         // event
  nlohmann::json params;      // event: always an object
  std::string invalid_reason; // invalid: why
};

// Never throws.
message decode(const std::string& text);

// The outcome of one reply frame (as handed through the channel, see
// bidi_framing): returns "result", or throws bidi::error.
nlohmann::json result_or_throw(const std::string& method, const nlohmann::json& reply_frame);

// The framing for browser::channel: a reply (success or error) is handed
// over as a successful reply whose result is the whole frame, so that the
// BiDi error code reaches result_or_throw instead of being flattened into a
// string by the channel; events go through as events. A frame with neither a
// usable id nor an event shape is invalid (the channel logs and drops it).
browser::framing bidi_framing();

// --- values ------------------------------------------------------------------

// Plain JSON -> a BiDi LocalValue (script.callFunction arguments):
// null/bool/number/string map to primitives, arrays to "array", objects to
// "object" with string keys.
nlohmann::json to_local_value(const nlohmann::json& value);

// A BiDi RemoteValue -> plain JSON. undefined -> null; NaN/Infinity/-0 ->
// null/0 as JSON.stringify would; bigint -> its decimal string; maps and
// objects -> objects (non-string keys are stringified); sets -> arrays; dates
// and regexps -> their string value; anything else (nodes, functions, windows,
// promises, errors, ...) -> {"type": <type>} so a caller can tell.
nlohmann::json from_remote_value(const nlohmann::json& remote);

// "ws://127.0.0.1:P" / "ws://127.0.0.1:P/" / "ws://127.0.0.1:P/session" ->
// "ws://127.0.0.1:P/session". Throws driver_error(browser_gone) for anything
// else (not ws://, another path).
std::string session_url(const std::string& endpoint);

}  // namespace camoufleet::bidi
