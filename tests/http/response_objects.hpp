#pragma once
// Response objects and input items as the Responses API route writes and
// reads them, for the response store's tests.

#include <nlohmann/json.hpp>
#include <string>

namespace camoufleet::testing {

// A response object as response_json writes one, with one message
// (msg_<the id's random part>) and, when given, its status.
inline std::string answered(const std::string& id, const std::string& text,
                            const std::string& status = "") {
  nlohmann::json j = {{"id", id},
                      {"object", "response"},
                      {"output",
                       {{{"id", "msg_" + id.substr(5)},
                         {"type", "message"},
                         {"role", "assistant"},
                         {"content", {{{"type", "output_text"}, {"text", text}}}}}}}};
  if (!status.empty()) j["status"] = status;
  return j.dump();
}

inline nlohmann::json user(const std::string& text) {
  return {{"type", "message"}, {"role", "user"}, {"content", text}};
}

}  // namespace camoufleet::testing
