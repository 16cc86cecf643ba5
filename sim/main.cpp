// aistudio-sim: an offline stand-in for Google AI Studio (see sim/README.md).

#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sim/accounts.hpp"
#include "sim/server.hpp"
#include "sim/sim_state.hpp"

namespace {

int write_profiles(const std::string& dir, int extra_accounts, int port) {
  for (const auto& name : camoufleet::sim::account_names(extra_accounts)) {
    auto path = dir + "/" + name + ".json";
    std::ofstream out(path);
    out << camoufleet::sim::storage_state(camoufleet::sim::make_account(name), port).dump(2)
        << "\n";
    if (!out) {
      std::cerr << "aistudio-sim: cannot write " << path << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"aistudio-sim: offline Google AI Studio simulator"};
  int port = 0;
  int extra_accounts = 0;
  camoufleet::sim::pacing pace;
  std::vector<std::string> faults;
  std::string profiles_dir;
  std::vector<std::string> generate_body_files;
  camoufleet::sim::page_options page;
  page.preference_vote_every = -1;  // -1: the variant's default
  app.add_option("--port", port, "port on 127.0.0.1 (0 = pick a free one)");
  app.add_option("--accounts", extra_accounts, "also create user1..userN");
  app.add_option("--first-token-ms", pace.first_token_ms, "delay before the first chunk");
  app.add_option("--token-ms", pace.token_ms, "delay between chunks");
  app.add_option("--tokens", pace.tokens, "answer length in text tokens");
  app.add_option("--fault", faults, "fault JSON as for POST /__admin/faults (repeatable)");
  app.add_option("--generate-body", generate_body_files,
                 "answer every generation with FILE's bytes (a captured GenerateContent body), "
                 "split after each chunk and paced by --first-token-ms / --token-ms; repeated: "
                 "the files answer in turn (the first generation, the second, ..., then again)")
      ->check(CLI::ExistingFile);
  std::string variants;
  for (const auto& v : camoufleet::sim::ui_variants()) variants += (variants.empty() ? "" : ", ") + v;
  app.add_option("--ui-variant", page.ui_variant,
                 "which page the site serves: " + variants +
                     " (2025: today's page; 2026: the newer controls, see sim/README.md)")
      ->check(CLI::IsMember(camoufleet::sim::ui_variants()));
  app.add_option("--preference-vote-every", page.preference_vote_every,
                 "2026 variant: an A/B preference vote after every Nth answer of a tab "
                 "(0 = never; default 3 for 2026)");
  app.add_option("--no-function-calling", page.no_function_calling,
                 "model ids (comma-separated, * = all) whose page shows no function-calling "
                 "tool box, like a model without function calling on the real site");
  app.add_option("--grounding-on", page.grounding_on,
                 "model ids (comma-separated, * = all, \"\" = none) whose Google Search "
                 "grounding switch starts on; while on, function calling cannot be turned on")
      ->capture_default_str();
  app.add_option("--url-context-on", page.url_context_on,
                 "model ids (comma-separated, * = all, \"\" = none) whose URL context switch "
                 "starts on; while on, function calling cannot be turned on")
      ->capture_default_str();
  app.add_option("--list-models-ms", page.list_models_ms,
                 "delay of the page's ListModels answer: until it arrives the page shows no "
                 "model and its run settings are the defaults (tool box included)");
  app.add_option("--write-profiles", profiles_dir,
                 "write <account>.json storageState files into DIR and exit");
  CLI11_PARSE(app, argc, argv);

  if (!profiles_dir.empty()) return write_profiles(profiles_dir, extra_accounts, port);

  std::vector<nlohmann::json> startup_faults;
  for (const auto& f : faults) {
    auto j = nlohmann::json::parse(f, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      std::cerr << "aistudio-sim: --fault is not a JSON object: " << f << "\n";
      return 2;
    }
    startup_faults.push_back(j);
  }
  if (pace.tokens < 1 || pace.first_token_ms < 0 || pace.token_ms < 0) {
    std::cerr << "aistudio-sim: pacing values must be >= 0 (tokens >= 1)\n";
    return 2;
  }
  // A client closing mid-stream must not kill the simulator.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    {
      // Validate --fault values with the same code as the admin API.
      camoufleet::sim::sim_state probe(extra_accounts, pace);
      for (const auto& f : startup_faults) {
        int status = 0;
        auto err = probe.apply_faults(f, &status);
        if (!err.empty()) {
          std::cerr << "aistudio-sim: bad --fault: " << err << "\n";
          return 2;
        }
      }
    }
    camoufleet::sim::sim_state state(extra_accounts, pace, startup_faults);
    if (page.preference_vote_every < 0) page.preference_vote_every = page.ui_variant == "2026" ? 3 : 0;
    state.set_page_options(page);
    for (const auto& file : generate_body_files) {
      std::ifstream in(file, std::ios::binary);
      std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) throw std::runtime_error("cannot read " + file);
      state.add_generate_body(body);
    }
    camoufleet::sim::server srv(state, port);
    std::cout << "aistudio-sim listening on http://127.0.0.1:" << srv.port() << std::endl;
    srv.run();
  } catch (const std::exception& e) {
    std::cerr << "aistudio-sim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
