#pragma once
// One running camoufleet on a real simulator with real Chromium (or the
// browser of --browser-kind=NAME), for a test case. Everything it starts is
// stopped (by pid) and removed when it goes.

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace camoufleet::e2e {

using namespace std::chrono_literals;
using testing::header_list;
using testing::http_response;

struct fleet_config {
  int accounts = 3;                     // alice, bob, carol, then user1..
  bool multi = true;
  std::vector<std::string> sim_args = {"--first-token-ms", "20", "--token-ms", "5"};
  std::vector<std::string> server_args;  // extra camoufleet flags
  // Key file lines ("KEY [NAME] [max_open=N]"), written when not empty.
  std::vector<std::string> api_keys;
  std::map<std::string, std::string> env;
  bool wait_ready = true;
  // Called with the auth dir after the profiles are in place, before the
  // server starts (e.g. to loosen a file's permissions on purpose).
  std::function<void(const std::string& auth_dir)> before_start;
};

inline fleet_config with_accounts(int n) {
  fleet_config c;
  c.accounts = n;
  return c;
}

class fleet_fixture {
 public:
  explicit fleet_fixture(fleet_config cfg = {});
  ~fleet_fixture();

  testing::sim_process& sim() { return *sim_; }
  testing::child_process& server() { return *server_; }
  int port() const { return port_; }
  const std::string& auth_dir() const { return auth_dir_; }

  http_response get(const std::string& target, const header_list& headers = {}) const;
  http_response post(const std::string& target, const nlohmann::json& body,
                     const header_list& headers = {}, std::chrono::milliseconds timeout = 60s) const;
  nlohmann::json health() const;
  nlohmann::json instances() const;
  // The model ids the simulator's page offers (its UI variant decides), sorted.
  std::vector<std::string> offered_models();
  // True once /health reports n ready instances.
  bool wait_ready(int n, std::chrono::milliseconds deadline = 90s) const;

  // The server's combined log lines so far.
  std::vector<std::string> log_lines() const;

  // Stops the server with sig and waits for it to exit; returns the wait status.
  std::optional<int> stop(int sig, std::chrono::milliseconds deadline = 60s);

 private:
  fleet_config cfg_;
  std::unique_ptr<testing::temp_dir> dir_;
  std::unique_ptr<testing::sim_process> sim_;
  std::unique_ptr<testing::child_process> server_;
  std::string auth_dir_;
  int port_ = 0;
};

// The exact answer the simulator gives for one user message with the page's
// defaults (or the given settings).
std::string expected_answer(const std::string& prompt, const std::string& model = "gemini-2.5-pro",
                            double temperature = 1.0, double top_p = 0.95);

// Chat completion body with one user message.
nlohmann::json chat_body(const std::string& prompt, const std::string& model = "gemini-2.5-pro",
                         bool stream = false);

// A streamed chat completion running on its own thread: `first_chunk`
// becomes ready when its first `data: {` chunk arrived, `response` when the
// stream ended (or its deadline passed).
struct streaming_call {
  std::future<testing::http_response> response;
  std::future<void> first_chunk;
};
streaming_call start_stream(int port, const nlohmann::json& body,
                            std::chrono::milliseconds timeout = 90s);

// Process ids of every browser process (chromium or firefox) whose command
// line holds `needle`.
std::vector<int> browser_pids(const std::string& needle);

// Runs `node --test tests/node/<script>` against the fleet (env
// CAMOUFLEET_BASE_URL, CAMOUFLEET_API_KEY, SIM_ADMIN, NODE_PATH, plus
// extra_env), prints its output and checks that every node test passed.
void run_node_tests(fleet_fixture& f, const std::string& script, const std::string& api_key,
                    const std::map<std::string, std::string>& extra_env = {},
                    std::chrono::milliseconds deadline = 240s);

std::string camoufleet_binary();
std::string source_dir();

}  // namespace camoufleet::e2e
