#pragma once
// The plain data that the actors exchange with each other and with the HTTP
// side. No CAF here: actors/messages.hpp adds inspect() and atoms, so every
// type below is serializable and instance actors can later live elsewhere.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/chat.hpp"

namespace camoufleet {

enum class instance_status : std::uint8_t {
  starting, ready, busy, error, cooldown, needs_login, stopping,
  recycling,  // its page is being loaded afresh between requests (--page-recycle-after)
};
const char* to_string(instance_status s);

// Why a request did not get an answer. http/ maps these to statuses.
enum class error_code : std::uint8_t {
  none,
  bad_request,      // 400
  unknown_model,    // 404
  queue_full,       // 429 + Retry-After
  queue_timeout,    // 503 + Retry-After
  no_instances,     // 503 + Retry-After: none can serve (all error / needs_login / cooldown)
  rate_limited,     // 429: the site refused (after failover ran out)
  login_lost,       // 502
  site_error,       // 502
  timeout,          // 504
  browser_gone,     // 502
  cancelled,        // client went away or /v1/cancel
  shutting_down,    // 503
};
const char* to_string(error_code c);

struct completion_request {
  std::string id;  // "chatcmpl-..."; also X-Request-Id
  std::vector<core::chat_message> messages;
  core::generation_params params;
  bool stream = false;
  std::int64_t received_ms = 0;  // unix ms
  std::string caller;            // the name of its API key ("" without keys): counted under it
};

// Events about one request, in this order: assigned (maybe several times
// before the first delta, on failover), deltas, then exactly one of
// finished / failed.
struct request_assigned {
  std::string request_id;
  std::string instance_id;
};
struct request_delta {
  std::string request_id;
  std::string content;
  std::string reasoning;
};
struct request_finished {
  std::string request_id;
  std::string instance_id;
  std::string model;
  std::string content;
  std::string reasoning;
  std::string finish_reason;
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int reasoning_tokens = 0;  // part of completion_tokens
  std::vector<core::tool_call> tool_calls;  // finish_reason "tool_calls"
};
struct request_failed {
  std::string request_id;
  std::string instance_id;  // "" when it never reached one
  error_code code = error_code::none;
  std::string message;
  int retry_after_s = 0;  // > 0: tell the client when to come back
};

struct instance_view {
  std::string id;
  instance_status status = instance_status::starting;
  int port = 0;
  std::string auth_file;  // file name only, never its contents
  std::string ws_endpoint;
  std::int64_t last_used_ms = 0;  // unix ms, 0 = never
  int error_count = 0;
  std::string current_request_id;
  std::string reason;
  std::int64_t until_ms = 0;  // cooldown end, unix ms
  int served = 0;
  int restarts = 0;           // browser starts after the first one
  int recycles = 0;           // chat page loads afresh (--page-recycle-after)
  int page_served = 0;        // answers its current chat page has served
  bool in_rotation = true;    // false: taken out by hand, gets no new requests
  int browser_pid = 0;        // 0 when attached or not running
  std::string browser;        // browser kind: "chromium", "firefox"
  // Errors this instance met, by kind (rate_limited, browser_gone, hung ...).
  std::map<std::string, int> errors;
  // Where it runs: "" for this process, else the node that joined it
  // (camoufleet node --node-id) and that node's address as the head saw it.
  std::string node_id;
  std::string node_host;
};

struct queue_entry {
  std::string request_id;
  std::int64_t waiting_ms = 0;
};

// A picture of an instance's page (the dashboard's "why is it stuck").
enum class screenshot_status : std::uint8_t {
  ok,
  unknown_instance,  // no instance with that id
  no_page,           // the instance has no browser right now (starting, error, ...)
  failed,            // the browser did not give one in time
};

struct screenshot_reply {
  screenshot_status status = screenshot_status::failed;
  std::string png;      // the PNG bytes when ok
  std::string message;  // why not, otherwise
};

// A warm spare browser (--spare-browsers): no profile yet, waiting to take
// over a crashed instance's. Counted apart because it costs memory.
struct spare_view {
  std::uint64_t id = 0;
  bool ready = false;   // false: still launching
  int pid = 0;          // 0 while launching (a pid on node_id's machine)
  std::string node_id;  // "" = this process; else the node it waits on
};

// "spare_3" here, "<node id>.spare_3" on a node (as instance ids are named).
inline std::string spare_name(const spare_view& s) {
  return (s.node_id.empty() ? "" : s.node_id + ".") + "spare_" + std::to_string(s.id);
}

struct fleet_view {
  bool multi_instance_mode = false;
  std::vector<instance_view> instances;
  // Warm spares (--spare-browsers) and how many are wanted (0: none kept).
  std::vector<spare_view> spares;
  int spares_wanted = 0;
  std::vector<queue_entry> queue;
  int queue_limit = 0;
  // Non-empty: the fleet did not answer (why); the view is empty then, which
  // says nothing about the instances (it is not "no instances").
  std::string unanswered;
};

}  // namespace camoufleet
