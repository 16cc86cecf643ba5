#pragma once
// One log format for the whole process; per-instance loggers carry their id
// on every line so a fleet's interleaved output can be told apart.

#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace camoufleet::config {

// Sets spdlog's default logger ("camoufleet", to stderr) and the level of
// every logger. level: trace|debug|info|warn|error|off; anything else means
// info (settings are validated before this is called). format: "text" (a
// readable line: time, level, [logger], message) or "json" (one JSON object
// per line: time in ISO 8601 with its offset, level, logger, msg — for log
// collectors; the message escaped, broken UTF-8 replaced).
void init_logging(const std::string& level, const std::string& format = "text");

// Same, writing to the given sink instead of stderr (tests capture lines).
void init_logging(const std::string& level, spdlog::sink_ptr sink,
                  const std::string& format = "text");

// A logger whose every line reads `[instance_1]`; the same id gives the same
// logger. Shares the default logger's sinks, so call init_logging first.
std::shared_ptr<spdlog::logger> instance_logger(const std::string& instance_id);

}  // namespace camoufleet::config
