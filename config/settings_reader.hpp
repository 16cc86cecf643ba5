#pragma once
// Reading each setting where the user gave it: command line > environment >
// .env > default, remembering where each value came from so an error names
// the flag, variable or file to fix. Internal to config/: the command line
// (settings_parser.cpp) drives it; its file checks are in settings_files.cpp.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "config/settings_parser.hpp"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace camoufleet::config {

struct option_def;

// Thrown inside the parser only; parse_settings turns it into exit code 2.
struct bad_setting {
  std::string line;
};

enum class origin { none, dotenv, env, cli };

// One setting's text before conversion, and where it came from, so an error
// can point at the place the user has to fix.
struct raw_value {
  std::string text;
  origin from = origin::none;
  std::string env_name;
};

// Where a value came from, appended to an error when it was not typed on the
// command line: the user must know which file or variable to edit.
std::string source_note(const raw_value& v, const std::string& dotenv_path);

class settings_reader {
 public:
  settings_reader(const env_lookup& getenv, std::string dotenv_path)
      : getenv_(getenv), dotenv_path_(std::move(dotenv_path)) {}

  // Parses the command line, reads every value and checks them.
  parse_result run(int argc, const char* const* argv);

 private:
  // The command line (settings_parser.cpp).
  void add_value_option(CLI::App& app, const option_def& def);
  void add_flag(CLI::App& app, const char* flag, const char* help, const char* group);
  bool on_cli(const std::string& flag) const;

  // Looking values up and converting them (settings_reader.cpp).
  std::optional<raw_value> lookup_env(const std::string& name) const;
  std::optional<raw_value> lookup(const std::string& flag);
  std::string note_for(const std::string& flag) const;
  [[noreturn]] void fail(const std::string& flag, const raw_value& v, const std::string& why);
  void read_string(const std::string& flag, std::string& target);
  long long read_number(const std::string& flag, long long current,
                        const std::map<char, long long>& units, const char* what);
  void read_int(const std::string& flag, int& target);
  void read_seconds(const std::string& flag, std::chrono::seconds& target);
  void read_bytes(const std::string& flag, std::size_t& target);
  void read_values(settings& s);
  void read_multi(settings& s);
  void read_display(settings& s);
  void read_isolation(settings& s);
  void read_caller_lists(settings& s);
  void read_model_aliases(settings& s);
  void read_kind(settings& s, bool browser_given);

  // File system facts (settings_files.cpp).
  void check_files(settings& s, std::vector<std::string>& warnings);
  static void warn_shared_profiles(const std::string& dir, std::vector<std::string>& warnings);
  void load_keys(settings& s, std::vector<std::string>& warnings);

  const env_lookup& getenv_;
  std::string dotenv_path_;
  std::map<std::string, std::string> dotenv_;
  std::map<std::string, std::string> cli_text_;
  std::map<std::string, bool> flag_values_;
  std::map<std::string, CLI::Option*> cli_opts_;
  std::map<std::string, std::string> env_names_;
  std::map<std::string, raw_value> used_;
};

}  // namespace camoufleet::config
