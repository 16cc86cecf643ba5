#pragma once
// Splits an SSE byte stream into events, as a client would.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace camoufleet::e2e {

struct sse_stream {
  std::vector<std::string> data;      // every `data:` payload, in order (incl. "[DONE]")
  std::vector<std::string> comments;  // every `:` comment line
  std::vector<nlohmann::json> chunks() const;  // data payloads that are JSON
  bool done() const { return !data.empty() && data.back() == "[DONE]"; }
  std::string content() const;    // concatenated delta.content
  std::string reasoning() const;  // concatenated delta.reasoning_content
  bool has_error_event() const;   // a chunk is an error object (the stream failed in flight)
};

sse_stream parse_sse(const std::string& body);

}  // namespace camoufleet::e2e
