#pragma once
// Plain data that crosses from cdp/ up to actors/ and http/. No I/O, no CAF.

#include <stdexcept>
#include <string>
#include <vector>

#include "core/tool_mode.hpp"

namespace camoufleet::core {

// One function call the model asked for (OpenAI `tool_calls[]`).
struct tool_call {
  std::string id;         // "call_..."
  std::string name;
  std::string arguments;  // a JSON object, as text
};

// A file that goes to the page with a user turn (an `image_url`, `file` or
// `input_audio` part, decoded).
struct attachment {
  std::string mime_type;  // "image/png", "application/pdf", "audio/wav", ... (http/file_parts.hpp)
  std::string data;       // the raw bytes
  std::string filename;   // as the client named it (no directories); "" = none
};

struct chat_message {
  chat_message() = default;
  chat_message(std::string r, std::string c) : role(std::move(r)), content(std::move(c)) {}

  std::string role;  // "system" | "user" | "assistant" | "tool"
  std::string content;
  std::vector<tool_call> tool_calls;     // assistant: the calls it made
  std::string tool_call_id;              // tool: the call this is the result of
  std::vector<attachment> attachments;   // user: images and files
};

// What the page should be set to before a prompt is submitted. Unset values
// leave the page as it is (sentinels instead of std::optional so that the
// struct stays trivially serializable for CAF 0.17).
struct generation_params {
  std::string model;              // "" = keep the page's current model
  double temperature = -1;        // < 0: unset
  double top_p = -1;              // < 0: unset
  int max_output_tokens = -1;     // <= 0: unset
  std::vector<std::string> stop;  // empty: no stop sequences
  std::string reasoning_effort;   // "" unset; "none" | "low" | "medium" | "high"
  // The page's function declarations (a JSON array, already converted to
  // what the page accepts); "" = no tools: function calling is turned off.
  std::string function_declarations;
  // "" / "auto" | "none" | "required" | "function" (then tool_choice_name).
  std::string tool_choice;
  std::string tool_choice_name;
  // How tools reach the model (--tool-mode, core/tool_mode.hpp).
  core::tool_mode tool_mode = core::tool_mode::automatic;
  // OpenAI's response_format: "" (text) | "json_object" | "json_schema";
  // for json_schema, response_schema is `{"name":..., "schema":...}` as JSON
  // text. The page has no control for it: a closing instruction asks for it.
  std::string response_format;
  std::string response_schema;
  // Google Search grounding on for this answer (web_search_options, or the
  // Responses API's web_search tool). false: the page's own setting stays,
  // unless an earlier request turned it on (then it goes off again).
  bool web_search = false;
  // Nothing of the answer reaches the client before it is done (a request
  // that does not stream): an answer that is not what the request demands
  // (JSON that breaks response_format, no call where tool_choice requires
  // one) may be asked for once more, the first answer and what is wrong
  // with it shown to the model (site/reply_check.hpp).
  bool ask_again = false;
};

struct delta {
  std::string content;
  std::string reasoning;
};

struct generation_result {
  std::string content;
  std::string reasoning;
  std::string finish_reason;  // "stop" | "length" | "content_filter" | "tool_calls"
  std::vector<tool_call> tool_calls;
  int prompt_tokens = 0;
  int completion_tokens = 0;  // answer + reasoning, as the site counts them
  int reasoning_tokens = 0;
};

struct model_info {
  std::string id;            // without the "models/" prefix, e.g. "gemini-2.5-pro"
  std::string display_name;
};

enum class failure_kind {
  login_lost,       // the site sent us to its sign-in page
  rate_limited,     // 429 / RESOURCE_EXHAUSTED: cool down briefly
  quota_exceeded,   // the quota callout: cool down for hours
  site_error,       // an error toast, a failed request, an unexpected page
  timeout,          // something we waited for did not happen in time
  browser_gone,     // the browser process exited or the socket broke
  cancelled,        // request_stop() ended the generation
  invalid_profile,  // the auth profile file is unreadable or malformed
};

const char* to_string(failure_kind k);

class driver_error : public std::runtime_error {
 public:
  driver_error(failure_kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  failure_kind kind() const noexcept { return kind_; }

 private:
  failure_kind kind_;
};

}  // namespace camoufleet::core
