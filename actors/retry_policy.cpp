#include "actors/retry_policy.hpp"

namespace camoufleet::retry {

bool retryable(error_code code) {
  switch (code) {
    case error_code::browser_gone:
    case error_code::timeout:
    case error_code::site_error:
    case error_code::rate_limited:
    case error_code::login_lost:
      return true;
    default:
      return false;
  }
}

bool should_retry(const failed_attempt& a, int max_retries) {
  if (a.delta_sent) return false;  // the client already has part of one answer
  if (!retryable(a.code)) return false;
  return a.retries_done < max_retries;
}

error_code code_of(core::failure_kind kind) {
  switch (kind) {
    case core::failure_kind::login_lost: return error_code::login_lost;
    case core::failure_kind::rate_limited: return error_code::rate_limited;
    case core::failure_kind::quota_exceeded: return error_code::rate_limited;
    case core::failure_kind::site_error: return error_code::site_error;
    case core::failure_kind::timeout: return error_code::timeout;
    case core::failure_kind::browser_gone: return error_code::browser_gone;
    case core::failure_kind::cancelled: return error_code::cancelled;
    case core::failure_kind::invalid_profile: return error_code::login_lost;
  }
  return error_code::site_error;
}

const char* name_of(core::failure_kind kind) {
  switch (kind) {
    case core::failure_kind::login_lost: return "login_lost";
    case core::failure_kind::rate_limited: return "rate_limited";
    case core::failure_kind::quota_exceeded: return "quota_exceeded";
    case core::failure_kind::site_error: return "site_error";
    case core::failure_kind::timeout: return "timeout";
    case core::failure_kind::browser_gone: return "browser_gone";
    case core::failure_kind::cancelled: return "cancelled";
    case core::failure_kind::invalid_profile: return "invalid_profile";
  }
  return "unknown";
}

}  // namespace camoufleet::retry
