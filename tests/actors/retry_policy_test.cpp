#include <doctest/doctest.h>

#include "actors/retry_policy.hpp"

using namespace camoufleet;

TEST_CASE("retry: which failures another instance may fix") {
  for (auto c : {error_code::browser_gone, error_code::timeout, error_code::site_error,
                 error_code::rate_limited, error_code::login_lost})
    CHECK(retry::retryable(c));
  for (auto c : {error_code::cancelled, error_code::bad_request, error_code::unknown_model,
                 error_code::shutting_down, error_code::queue_full, error_code::none})
    CHECK_FALSE(retry::retryable(c));
}

TEST_CASE("retry: only before the first delta, and bounded") {
  CHECK(retry::should_retry({error_code::browser_gone, false, 0}, 2));
  CHECK(retry::should_retry({error_code::browser_gone, false, 1}, 2));
  CHECK_FALSE(retry::should_retry({error_code::browser_gone, false, 2}, 2));
  CHECK_FALSE(retry::should_retry({error_code::browser_gone, true, 0}, 2));
  CHECK_FALSE(retry::should_retry({error_code::cancelled, false, 0}, 2));
  CHECK_FALSE(retry::should_retry({error_code::timeout, false, 0}, 0));
}

TEST_CASE("retry: driver failures map to client errors") {
  CHECK(retry::code_of(core::failure_kind::quota_exceeded) == error_code::rate_limited);
  CHECK(retry::code_of(core::failure_kind::browser_gone) == error_code::browser_gone);
  CHECK(retry::code_of(core::failure_kind::cancelled) == error_code::cancelled);
  CHECK(retry::code_of(core::failure_kind::login_lost) == error_code::login_lost);
  CHECK(std::string(retry::name_of(core::failure_kind::timeout)) == "timeout");
}
