#pragma once
// Plain data that crosses from cdp/ up to actors/ and http/. No I/O, no CAF.

#include <stdexcept>
#include <string>
#include <vector>

namespace camoufleet::core {

struct chat_message {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
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
};

struct delta {
  std::string content;
  std::string reasoning;
};

struct generation_result {
  std::string content;
  std::string reasoning;
  std::string finish_reason;  // "stop" | "length" | "content_filter"
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
