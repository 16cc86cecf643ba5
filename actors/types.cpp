#include "actors/types.hpp"

namespace camoufleet {

const char* to_string(instance_status s) {
  switch (s) {
    case instance_status::starting: return "starting";
    case instance_status::ready: return "ready";
    case instance_status::busy: return "busy";
    case instance_status::error: return "error";
    case instance_status::cooldown: return "cooldown";
    case instance_status::needs_login: return "needs_login";
    case instance_status::stopping: return "stopping";
    case instance_status::recycling: return "recycling";
  }
  return "unknown";
}

const char* to_string(error_code c) {
  switch (c) {
    case error_code::none: return "none";
    case error_code::bad_request: return "bad_request";
    case error_code::unknown_model: return "unknown_model";
    case error_code::queue_full: return "queue_full";
    case error_code::queue_timeout: return "queue_timeout";
    case error_code::no_instances: return "no_instances";
    case error_code::rate_limited: return "rate_limited";
    case error_code::login_lost: return "login_lost";
    case error_code::site_error: return "site_error";
    case error_code::timeout: return "timeout";
    case error_code::browser_gone: return "browser_gone";
    case error_code::cancelled: return "cancelled";
    case error_code::shutting_down: return "shutting_down";
  }
  return "unknown";
}

}  // namespace camoufleet
