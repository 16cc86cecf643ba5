// libFuzzer entry point for request parsing (built as its own target with
// -DCAMOUFLEET_FUZZ=ON and clang); http_tests also calls it on a corpus.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/chat_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto r = camoufleet::http::parse_chat_request(body);
  // Invariants that must hold for any input.
  if (r.ok && r.request.messages.empty()) __builtin_trap();
  if (!r.ok && (r.error.status != 400 || r.error.message.empty())) __builtin_trap();
  return 0;
}
