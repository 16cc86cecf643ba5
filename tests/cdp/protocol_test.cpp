#include <doctest/doctest.h>
#include "cdp/chat.hpp"
TEST_CASE("placeholder") { CHECK(std::string(camoufleet::cdp::to_string(camoufleet::cdp::failure_kind::timeout)) == "timeout"); }
