#pragma once
// The pure half of the request/response channel every browser protocol
// shares (browser/channel.hpp): a decoded frame (reply, event or invalid),
// the framing a protocol plugs in (encode a command, decode a frame), the
// table of commands waiting for their reply with deadlines, and ws:// URLs.
// Single-threaded and driven by the caller (the channel's io thread), so it
// is unit tested without sockets or clocks.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/chat.hpp"

namespace camoufleet::browser {

using core::driver_error;
using core::failure_kind;

// One decoded text frame.
struct incoming_message {
  enum class kind { reply, event, invalid };
  kind type = kind::invalid;

  // reply
  std::int64_t id = 0;
  bool is_error = false;
  nlohmann::json result;      // the "result" object of a successful reply
  int error_code = 0;         // a numeric error code where the protocol has one (CDP "error.code")
  std::string error_message;  // what went wrong (CDP: "error.message" (+ " (" error.data ")"))

  // event
  std::string method;
  nlohmann::json params;      // always an object (empty when absent)

  std::string session_id;     // "" for browser-level traffic (CDP's flattened sessions)

  std::string invalid_reason; // why a frame was kind::invalid
};

// The first step of every protocol's decoder (cdp/protocol, bidi/codec):
// the frame as a JSON object, or a discarded value with why ("not JSON",
// "not a JSON object") in invalid_reason.
nlohmann::json parse_frame_object(const std::string& text, std::string& invalid_reason);

// How a protocol frames its traffic on the channel: CDP
// (cdp::cdp_framing()) and WebDriver BiDi (bidi::bidi_framing()) each
// supply the pair. session_id routes a command to a target session where the
// protocol has them ("" = none). decode must never throw.
struct framing {
  std::string (*encode)(std::int64_t id, const std::string& method, const nlohmann::json& params,
                        const std::string& session_id) = nullptr;
  incoming_message (*decode)(const std::string& text) = nullptr;
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

  // Registers a command and returns the id to send it with. session: the
  // target session it goes to ("" = the browser itself).
  std::int64_t add(const std::string& method, clock::time_point deadline, completion done,
                   const std::string& session = "");

  // Completes the command a reply belongs to. An error reply maps to
  // site_error "<method>: <message>". Returns false for an unknown id (a
  // reply after its deadline already failed it; ignored).
  bool complete(const incoming_message& reply);

  // Fails, with timeout, every command whose deadline is <= now. Returns how many.
  std::size_t expire(clock::time_point now);

  // Fails every command with browser_gone "<method>: <reason>" (socket gone).
  std::size_t fail_all(const std::string& reason);
  // The same for the commands sent to one target session (its tab crashed
  // or went away: they would wait out their deadlines). Returns how many.
  std::size_t fail_session(const std::string& session, const std::string& reason);

  // Earliest deadline of a waiting command, to arm one timer for all of them.
  std::optional<clock::time_point> next_deadline() const;

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct entry {
    std::string method;
    clock::time_point deadline;
    completion done;
    std::string session;
  };
  // Takes out the commands `which` picks, then fails each with kind and
  // "<method>: <reason>" (after, so a completion may add commands).
  std::size_t fail_where(const std::function<bool(const entry&)>& which, failure_kind kind,
                         const std::string& reason);

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

}  // namespace camoufleet::browser
