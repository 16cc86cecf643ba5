#include "core/chat.hpp"

namespace camoufleet::core {

const char* to_string(failure_kind k) {
  switch (k) {
    case failure_kind::login_lost: return "login_lost";
    case failure_kind::rate_limited: return "rate_limited";
    case failure_kind::quota_exceeded: return "quota_exceeded";
    case failure_kind::site_error: return "site_error";
    case failure_kind::timeout: return "timeout";
    case failure_kind::browser_gone: return "browser_gone";
    case failure_kind::cancelled: return "cancelled";
    case failure_kind::invalid_profile: return "invalid_profile";
  }
  return "unknown";
}

}  // namespace camoufleet::core
