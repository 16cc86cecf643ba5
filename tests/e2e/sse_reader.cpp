#include "tests/e2e/sse_reader.hpp"

#include <sstream>

namespace camoufleet::e2e {

sse_stream parse_sse(const std::string& body) {
  sse_stream out;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("data:", 0) == 0) {
      std::string payload = line.substr(5);
      if (!payload.empty() && payload.front() == ' ') payload.erase(0, 1);
      out.data.push_back(payload);
    } else if (!line.empty() && line.front() == ':') {
      out.comments.push_back(line);
    }
  }
  return out;
}

std::vector<nlohmann::json> sse_stream::chunks() const {
  std::vector<nlohmann::json> out;
  for (const auto& d : data) {
    auto j = nlohmann::json::parse(d, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

bool sse_stream::has_error_event() const {
  for (const auto& c : chunks())
    if (c.contains("error")) return true;
  return false;
}

std::string sse_stream::content() const {
  std::string s;
  for (const auto& c : chunks()) {
    if (!c.contains("choices")) continue;
    for (const auto& ch : c["choices"]) {
      const auto& d = ch.value("delta", nlohmann::json::object());
      if (d.contains("content") && d["content"].is_string()) s += d["content"].get<std::string>();
    }
  }
  return s;
}

std::string sse_stream::reasoning() const {
  std::string s;
  for (const auto& c : chunks()) {
    if (!c.contains("choices")) continue;
    for (const auto& ch : c["choices"]) {
      const auto& d = ch.value("delta", nlohmann::json::object());
      if (d.contains("reasoning_content") && d["reasoning_content"].is_string())
        s += d["reasoning_content"].get<std::string>();
    }
  }
  return s;
}

}  // namespace camoufleet::e2e
