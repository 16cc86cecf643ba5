#pragma once
// CDP framing without I/O: encoding commands, decoding what the browser sends,
// and the table of commands still waiting for their reply. Everything here is
// single-threaded and driven by the caller (connection.cpp on its io thread),
// so it is unit tested without sockets or clocks.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/chat.hpp"

namespace camoufleet::browser::cdp {

using core::driver_error;
using core::failure_kind;

// `{"id","method","params","sessionId"?}`; sessionId only when non-empty
// (flattened target sessions share the browser's websocket).
std::string encode_command(std::int64_t id, const std::string& method,
                           const nlohmann::json& params, const std::string& session_id = "");

// One decoded text frame.
struct incoming_message {
  enum class kind { reply, event, invalid };
  kind type = kind::invalid;

  // reply
  std::int64_t id = 0;
  bool is_error = false;
  nlohmann::json result;      // the "result" object of a successful reply
  int error_code = 0;         // "error.code" of a failed reply
  std::string error_message;  // "error.message" (+ " (" error.data ")" when present)

  // event
  std::string method;
  nlohmann::json params;      // always an object (empty when absent)

  std::string session_id;     // "" for browser-level traffic

  std::string invalid_reason; // why a frame was kind::invalid
};

// Never throws: malformed JSON or an unknown shape yields kind::invalid.
incoming_message decode_message(const std::string& text);

// The first step of every protocol's decoder (CDP here, BiDi in bidi/codec):
// the frame as a JSON object, or a discarded value with why ("not JSON",
// "not a JSON object") in invalid_reason.
nlohmann::json parse_frame_object(const std::string& text, std::string& invalid_reason);

// How a connection frames its traffic: CDP by default; WebDriver BiDi
// (browser/bidi/codec.hpp) plugs its own pair in. decode must never throw.
struct wire_codec {
  std::string (*encode)(std::int64_t id, const std::string& method, const nlohmann::json& params,
                        const std::string& session_id) = encode_command;
  incoming_message (*decode)(const std::string& text) = decode_message;
};

// What every command ends with: exactly one of a result or an error.
struct command_outcome {
  bool ok = false;
  nlohmann::json result;                  // valid when ok
  failure_kind kind = failure_kind::site_error;  // valid when !ok
  std::string message;                    // valid when !ok, already "<method>: ..."
};

// The exception a blocking caller throws for a failed outcome.
driver_error to_driver_error(const command_outcome& outcome);

// Commands sent and not answered yet. Ids are allocated here, starting at 1.
// Every entry is completed exactly once: by its reply, by its deadline
// (failure_kind::timeout) or by fail_all (failure_kind::browser_gone).
// Handlers are removed from the table before they run, so a handler may add
// new commands (or even call fail_all) without invalidating anything.
class pending_table {
 public:
  using clock = std::chrono::steady_clock;
  using completion = std::function<void(command_outcome&&)>;

  // Registers a command and returns the id to send it with.
  std::int64_t add(const std::string& method, clock::time_point deadline, completion done);

  // Completes the command a reply belongs to. A CDP error maps to
  // site_error "<method>: <message>". Returns false for an unknown id (a
  // reply after its deadline already failed it; ignored).
  bool complete(const incoming_message& reply);

  // Fails, with timeout, every command whose deadline is <= now. Returns how many.
  std::size_t expire(clock::time_point now);

  // Fails every command with browser_gone "<method>: <reason>" (socket gone).
  std::size_t fail_all(const std::string& reason);

  // Earliest deadline of a waiting command, to arm one timer for all of them.
  std::optional<clock::time_point> next_deadline() const;

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct entry {
    std::string method;
    clock::time_point deadline;
    completion done;
  };
  std::int64_t next_id_ = 1;
  std::map<std::int64_t, entry> entries_;
};

// Parts of a ws:// URL. Pure, for connect(), the BiDi endpoint and their tests.
struct ws_url_parts {
  std::string host;
  std::string port;  // "80" when absent
  std::string target;  // path + query, "/" when absent
};
// Throws driver_error(browser_gone) on anything but a well-formed ws:// URL.
ws_url_parts parse_ws_url(const std::string& url);

}  // namespace camoufleet::browser::cdp
