#pragma once
// At most one log line per kind of event and interval: a refused caller
// (a web page of another site, a rebinding host name) may try thousands of
// times a second, and each try must not be a line in the operator's log.
// The first line of a key goes out at once; later ones within the interval
// are counted, and the next line says how many were held back. Pure logic
// with one mutex (called from the HTTP threads); time is given, not read.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace camoufleet::http {

class log_gate {
 public:
  using clock = std::chrono::steady_clock;

  // max_keys bounds the memory: past it, keys whose interval is over are
  // dropped, and if none is, new keys share one overflow key.
  explicit log_gate(std::chrono::milliseconds interval, std::size_t max_keys = 256);

  // nullopt: hold this line back. Else log it, noting the number held
  // back since the key's last line (0 for none).
  std::optional<std::size_t> admit(const std::string& key, clock::time_point now);

  // " (N more like it in the last 60 s)" or "" for 0.
  std::string held_note(std::size_t held) const;

 private:
  struct window {
    clock::time_point last_line;
    std::size_t held = 0;
  };

  std::chrono::milliseconds interval_;
  std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, window> keys_;
};

}  // namespace camoufleet::http
