#include "config/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <nlohmann/json.hpp>

namespace camoufleet::config {

namespace {

// Time with milliseconds, level, logger name: "[instance_1]" or "[camoufleet]".
constexpr const char* pattern = "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v";
// One JSON object per line; %* and %& are the message and the logger name,
// escaped by the formatters below.
constexpr const char* json_pattern =
    R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","logger":"%&","msg":"%*"})";

// Text as the inside of a JSON string: quotes, backslashes and control
// characters escaped, broken UTF-8 replaced (site text reaches the log).
void append_json_text(spdlog::string_view_t text, spdlog::memory_buf_t& dest) {
  const std::string quoted = nlohmann::json(std::string(text.data(), text.size()))
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  dest.append(quoted.data() + 1, quoted.data() + quoted.size() - 1);
}

template <bool name>
class json_field : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    append_json_text(name ? msg.logger_name : msg.payload, dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_field>();
  }
};

// Guards creating instance loggers: two instances starting in parallel may
// ask for theirs at the same moment, and spdlog's registry throws on a
// duplicate name.
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

spdlog::level::level_enum to_level(const std::string& level, bool& known) {
  known = true;
  if (level == "trace") return spdlog::level::trace;
  if (level == "debug") return spdlog::level::debug;
  if (level == "info") return spdlog::level::info;
  if (level == "warn") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  if (level == "off") return spdlog::level::off;
  known = false;
  return spdlog::level::info;
}

}  // namespace

void init_logging(const std::string& level, spdlog::sink_ptr sink, const std::string& format) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  bool known = true;
  auto lvl = to_level(level, known);
  // Instance loggers from an earlier init still point at the old sinks.
  spdlog::drop_all();
  auto logger = std::make_shared<spdlog::logger>("camoufleet", std::move(sink));
  spdlog::set_default_logger(logger);
  if (format == "json") {
    auto f = std::make_unique<spdlog::pattern_formatter>();
    f->add_flag<json_field<false>>('*').add_flag<json_field<true>>('&').set_pattern(json_pattern);
    // Every logger made after this (instance loggers) gets a copy of it.
    spdlog::set_formatter(std::move(f));
  } else {
    spdlog::set_pattern(pattern);
  }
  spdlog::set_level(lvl);
  // Warnings and errors usually precede a crash or exit: don't lose them in a buffer.
  spdlog::flush_on(spdlog::level::warn);
  if (!known) spdlog::warn("unknown log level \"{}\", using info", level);
}

void init_logging(const std::string& level, const std::string& format) {
  init_logging(level, std::make_shared<spdlog::sinks::stderr_color_sink_mt>(), format);
}

std::shared_ptr<spdlog::logger> instance_logger(const std::string& instance_id) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  if (auto existing = spdlog::get(instance_id)) return existing;
  auto base = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(instance_id, base->sinks().begin(),
                                                 base->sinks().end());
  // Takes the global pattern and level, and registers it under its id.
  spdlog::initialize_logger(logger);
  return logger;
}

}  // namespace camoufleet::config
