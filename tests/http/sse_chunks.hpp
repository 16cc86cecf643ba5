#pragma once
// The data events of a streamed body as JSON, "[DONE]" kept as a string;
// comments left out. Shared by the pure stream tests of tests/http.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_client.hpp"

namespace camoufleet::testing {

inline std::vector<nlohmann::json> sse_chunks(std::string body) {
  std::vector<nlohmann::json> out;
  for (const auto& e : parse_sse(body)) {
    if (e.comment) continue;
    out.push_back(e.data == "[DONE]" ? nlohmann::json("[DONE]") : nlohmann::json::parse(e.data));
  }
  return out;
}

}  // namespace camoufleet::testing
