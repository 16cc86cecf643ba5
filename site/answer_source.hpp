#pragma once
// Where the answer's bytes come from. The generation state machine only sees
// page_events; an answer source produces them:
// - network_source: the transport follows the request's body on the network
//   (over CDP, body streaming of the request; see browser/cdp/cdp_transport.*);
// - hook_source: scripts/answer_hook.js, installed before the page's own
//   scripts, wraps fetch / XMLHttpRequest and posts the body through a
//   binding (works in every protocol, BiDi included);
// - the DOM, the last resort, is not a source here: the state machine falls
//   back to DOM snapshots by itself when no source reports the request.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "site/page_transport.hpp"

namespace camoufleet::site {

class answer_source {
 public:
  virtual ~answer_source() = default;
  virtual const char* name() const = 0;
  // Before the first navigation: whatever must be in the page from its start.
  virtual void install(std::chrono::milliseconds timeout) = 0;
  // Reports the requests whose URL contains url_part, and the tab's
  // navigations and crashes, until the returned watch is destroyed.
  virtual std::unique_ptr<page_watch> watch(const std::string& url_part,
                                            std::function<void(const page_event&)> on_event) = 0;
};

std::unique_ptr<answer_source> network_source(page_transport& transport);
// `url_part` is what the hook script watches (site_profile::generate_content_pattern).
std::unique_ptr<answer_source> hook_source(page_transport& transport, const std::string& url_part);

// One message of scripts/answer_hook.js as a page_event; nullopt for
// anything malformed or unknown (the page can call the binding too).
std::optional<page_event> parse_hook_message(const std::string& payload);

}  // namespace camoufleet::site
