#pragma once
// The one table of camoufleet's options: for each flag its environment name,
// value type, the default --help shows, help text and group; the help footer.
// Internal to config/: the command line (settings_parser.cpp) builds CLI11
// from it and the reader (settings_reader.*) knows each flag's env name by it.

#include <string>
#include <vector>

namespace camoufleet::config {

// Read when --api-keys is not given and the file exists.
inline constexpr const char* default_key_file = "auth_profiles/key.txt";

// The display flags; at most one of them may be given.
inline constexpr const char* display_flags[] = {"--headless", "--debug", "--virtual-display"};

struct option_def {
  const char* flag;
  const char* env;  // nullptr: command line only
  const char* type;
  std::string default_text;  // shown in --help
  const char* help;
  const char* group;
};

// Defaults come from settings{}, so --help can never disagree with the struct.
std::vector<option_def> value_options();  // serve (and, falling through, login and node)
std::vector<option_def> node_options();   // `camoufleet node`
std::vector<option_def> login_options();  // `camoufleet login`

std::string help_footer();

}  // namespace camoufleet::config
