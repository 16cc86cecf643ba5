// The command line: CLI11 built from the option table, its errors reworded
// for people, then the order of reading (.env, values, checks, files) and
// parse_settings(), which turns any bad setting into one error line.
#include "config/settings_parser.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <sstream>

#include "config/dotenv.hpp"
#include "config/option_table.hpp"
#include "config/settings_checks.hpp"
#include "config/settings_reader.hpp"
#include "config/text.hpp"

#ifndef CAMOUFLEET_VERSION
#define CAMOUFLEET_VERSION "0.0.0"
#endif
#ifndef CAMOUFLEET_COMMIT
#define CAMOUFLEET_COMMIT "unknown"
#endif

namespace camoufleet::config {

namespace {

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> words;
  std::istringstream in(s);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// CLI11's messages name its internals ("1 required PORT missing"); say what
// the user did wrong instead.
std::string reword(const CLI::ParseError& e) {
  std::string what = one_line(e.what());
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    auto colon = what.find(": ");
    auto words = split_words(colon == std::string::npos ? what : what.substr(colon + 2));
    std::reverse(words.begin(), words.end());  // CLI11 lists them last first
    std::string list;
    for (const auto& w : words) list += (list.empty() ? "" : " ") + w;
    bool options = !words.empty() && words.front().rfind('-', 0) == 0;
    const char* noun = options ? "unknown option" : "unexpected argument";
    return std::string(noun) + (words.size() > 1 ? "s " : " ") + list;
  }
  if (dynamic_cast<const CLI::ConversionError*>(&e)) {
    // "Could not convert: --multi = maybe"
    auto colon = what.find(": ");
    auto eq = what.find(" = ");
    if (colon != std::string::npos && eq != std::string::npos && eq > colon) {
      return what.substr(colon + 2, eq - colon - 2) + ": " + in_quotes(what.substr(eq + 3)) +
             " is not true or false";
    }
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) && what.find(" missing") != std::string::npos) {
    // "--port: 1 required PORT missing"
    return what.substr(0, what.find(':')) + ": needs a value";
  }
  return what;
}

}  // namespace

parse_result settings_reader::run(int argc, const char* const* argv) {
  CLI::App app{"camoufleet: one OpenAI-compatible API over a fleet of logged-in browsers",
               "camoufleet"};
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.set_version_flag("--version", std::string("camoufleet ") + CAMOUFLEET_VERSION +
                                        " (commit " + CAMOUFLEET_COMMIT + ")");
  app.get_formatter()->column_width(40);
  app.footer(help_footer());

  for (const auto& def : value_options()) add_value_option(app, def);
  add_flag(app, "--multi", "One browser per profile in --auth-dir (env MULTI_INSTANCE_MODE)",
           "Fleet");
  add_flag(app, "--allow-open-api",
           "Serve a non-loopback --host without API keys (otherwise refused)", "Server");
  add_flag(app, "--headless", "Browsers without a window [default]", "Browser");
  add_flag(app, "--debug", "Browsers with a visible window", "Browser");
  add_flag(app, "--virtual-display", "Browsers in a virtual X display (Xvfb)", "Browser");

  CLI::App* login = app.add_subcommand(
      "login", "Open the site in a browser, wait for you to sign in, save the profile");
  login->fallthrough();  // the browser options before or after `login` both apply
  login->set_help_flag("-h,--help", "Print this help and exit");
  login->footer(help_footer());
  for (const auto& def : login_options()) add_value_option(*login, def);
  add_flag(*login, "--activate", "Also copy the profile into --auth-dir so it is served",
           "Login");

  CLI::App* node = app.add_subcommand(
      "node", "Run browsers for the profiles in --auth-dir and join them to a head");
  node->fallthrough();
  node->set_help_flag("-h,--help", "Print this help and exit");
  for (const auto& def : node_options()) add_value_option(*node, def);

  parse_result result;
  try {
    std::vector<std::string> args;
    for (int i = argc - 1; i >= 1; --i) args.emplace_back(argv[i] ? argv[i] : "");
    app.parse(args);  // CLI11 wants them reversed
  } catch (const CLI::CallForHelp&) {
    result.output = app.help();
    result.exit_now = true;
    return result;
  } catch (const CLI::CallForAllHelp&) {
    result.output = app.help("", CLI::AppFormatMode::All);
    result.exit_now = true;
    return result;
  } catch (const CLI::CallForVersion& e) {
    result.output = std::string(e.what()) + "\n";
    result.exit_now = true;
    return result;
  } catch (const CLI::ParseError& e) {
    throw bad_setting{reword(e) + " (see camoufleet --help)"};
  }

  if (!dotenv_path_.empty()) {
    auto env_file = load_dotenv(dotenv_path_);
    if (!env_file.error.empty()) throw bad_setting{dotenv_path_ + ": " + env_file.error};
    dotenv_ = std::move(env_file.values);
  }

  settings& s = result.value;
  s.cmd = login->parsed() ? command::login : node->parsed() ? command::node : command::serve;
  read_values(s);
  if (auto p = find_problem(s)) throw bad_setting{p->text + note_for(p->flag)};
  check_files(s, result.warnings);
  s.allow_open_api = on_cli("--allow-open-api") && flag_values_["--allow-open-api"];
  if (auto p = open_api_problem(s)) throw bad_setting{p->text + note_for(p->flag)};
  if (auto p = per_key_problem(s)) throw bad_setting{p->text + note_for(p->flag)};
  return result;
}

void settings_reader::add_value_option(CLI::App& app, const option_def& def) {
  std::string help = def.help;
  if (def.env) help += std::string(" (env ") + def.env + ")";
  auto* opt = app.add_option(def.flag, cli_text_[def.flag], help);
  opt->type_name(def.type)
      ->default_str(def.default_text)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->group(def.group);
  cli_opts_[def.flag] = opt;
  if (def.env) env_names_[def.flag] = def.env;
}

void settings_reader::add_flag(CLI::App& app, const char* flag, const char* help, const char* group) {
  // A bool target makes `--multi=false` mean false rather than "given".
  cli_opts_[flag] = app.add_flag(flag, flag_values_[flag], help)->group(group);
}

bool settings_reader::on_cli(const std::string& flag) const {
  auto it = cli_opts_.find(flag);
  return it != cli_opts_.end() && it->second->count() > 0;
}

parse_result parse_settings(int argc, const char* const* argv, const env_lookup& getenv,
                            const std::string& dotenv_path) {
  try {
    settings_reader reader(getenv, dotenv_path);
    return reader.run(argc, argv);
  } catch (const bad_setting& e) {
    parse_result r;
    r.exit_code = 2;
    r.exit_now = true;
    r.output = "error: " + one_line(e.line) + "\n";
    return r;
  } catch (const std::exception& e) {
    parse_result r;
    r.exit_code = 2;
    r.exit_now = true;
    r.output = "error: " + one_line(e.what()) + "\n";
    return r;
  }
}

}  // namespace camoufleet::config
