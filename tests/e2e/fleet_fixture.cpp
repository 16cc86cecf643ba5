#include "tests/e2e/fleet_fixture.hpp"

#include <dirent.h>
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "core/chat.hpp"
#include "site/prompt.hpp"
#include "sim/answer.hpp"
#include "sim/stream_format.hpp"

namespace camoufleet::e2e {

std::string camoufleet_binary() { return CAMOUFLEET_BIN; }
std::string source_dir() { return CAMOUFLEET_SOURCE_DIR; }

void run_node_tests(fleet_fixture& f, const std::string& script, const std::string& api_key,
                    const std::map<std::string, std::string>& extra_env,
                    std::chrono::milliseconds deadline) {
  const std::string node_dir = source_dir() + "/tests/node";
  std::map<std::string, std::string> env = {
      {"CAMOUFLEET_BASE_URL", "http://127.0.0.1:" + std::to_string(f.port())},
      {"CAMOUFLEET_API_KEY", api_key},
      {"SIM_ADMIN", f.sim().base_url()},
      {"NODE_PATH", node_dir + "/node_modules"}};
  for (const auto& [k, v] : extra_env) env[k] = v;
  testing::child_process node({"/usr/bin/env", "node", "--test", "--test-concurrency=1",
                               "--test-reporter=spec", node_dir + "/" + script},
                              env);
  auto status = node.wait_exit(deadline);
  for (const auto& l : node.stdout_lines()) MESSAGE(l);
  for (const auto& l : node.stderr_lines()) MESSAGE(l);
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
}

fleet_fixture::fleet_fixture(fleet_config cfg) : cfg_(std::move(cfg)) {
  dir_ = std::make_unique<testing::temp_dir>("camoufleet-e2e-");
  sim_ = std::make_unique<testing::sim_process>(cfg_.sim_args);

  // Profiles: alice, bob, carol, user1.. as many as asked for.
  std::string all = dir_->file("all");
  ::mkdir(all.c_str(), 0700);
  sim_->write_profiles(all, cfg_.accounts > 3 ? cfg_.accounts - 3 : 0);
  auth_dir_ = dir_->file("active");
  ::mkdir(auth_dir_.c_str(), 0700);
  std::vector<std::string> names = {"alice", "bob", "carol"};
  for (int i = 1; i <= cfg_.accounts - 3; ++i) names.push_back("user" + std::to_string(i));
  names.resize(static_cast<std::size_t>(cfg_.accounts));
  for (const auto& n : names) {
    std::ifstream in(all + "/" + n + ".json", std::ios::binary);
    std::ofstream out(auth_dir_ + "/" + n + ".json", std::ios::binary);
    out << in.rdbuf();
    ::chmod((auth_dir_ + "/" + n + ".json").c_str(), 0600);
  }

  if (cfg_.before_start) cfg_.before_start(auth_dir_);

  std::vector<std::string> argv = {camoufleet_binary(), "--headless", "--port", "0",
                                   "--auth-dir", auth_dir_, "--site-url", sim_->url(),
                                   "--profile-root", dir_->path(), "--log-level", "debug"};
  if (cfg_.multi) argv.push_back("--multi");
  // The suite's browser (--browser-kind=NAME of the test binary); the
  // server would read CAMOUFLEET_BROWSER_KIND itself, but say it plainly.
  if (testing::firefox_kind())
    argv.insert(argv.end(), {"--browser-kind", testing::browser_kind(), "--browser", testing::browser_path()});
  if (!cfg_.api_keys.empty()) {
    std::ofstream keys(dir_->file("keys.txt"));
    for (const auto& k : cfg_.api_keys) keys << k << "\n";
    argv.push_back("--api-keys");
    argv.push_back(dir_->file("keys.txt"));
  }
  for (const auto& a : cfg_.server_args) argv.push_back(a);
  server_ = std::make_unique<testing::child_process>(argv, cfg_.env);
  auto line = server_->wait_for_line(std::regex("camoufleet listening on http://[0-9.]+:([0-9]+)"), 60s);
  if (!line) {
    std::ostringstream msg;
    msg << "camoufleet did not start; its output:\n";
    for (const auto& l : server_->stderr_lines()) msg << l << "\n";
    throw std::runtime_error(msg.str());
  }
  std::smatch m;
  std::regex_search(*line, m, std::regex(":([0-9]+)$"));
  port_ = std::stoi(m[1]);
  if (cfg_.wait_ready && !wait_ready(cfg_.multi ? cfg_.accounts : 1)) {
    std::ostringstream msg;
    msg << "instances did not become ready: " << get("/v1/instances").body << "\n";
    for (const auto& l : server_->stderr_lines()) msg << l << "\n";
    throw std::runtime_error(msg.str());
  }
}

fleet_fixture::~fleet_fixture() {
  // A clean stop first, so browsers close and profile dirs go; the
  // child_process destructor SIGKILLs the group if this does not work.
  if (server_ && server_->running()) stop(SIGTERM, 30s);
  server_.reset();
  sim_.reset();
}

std::optional<int> fleet_fixture::stop(int sig, std::chrono::milliseconds deadline) {
  ::kill(server_->pid(), sig);
  return server_->wait_exit(deadline);
}

http_response fleet_fixture::get(const std::string& target, const header_list& headers) const {
  return testing::http_request("GET", port_, target, "", headers, 30s);
}

http_response fleet_fixture::post(const std::string& target, const nlohmann::json& body,
                                  const header_list& headers,
                                  std::chrono::milliseconds timeout) const {
  header_list h = headers;
  h.emplace_back("Content-Type", "application/json");
  return testing::http_request("POST", port_, target, body.dump(), h, timeout);
}

nlohmann::json fleet_fixture::health() const { return get("/health").json(); }
nlohmann::json fleet_fixture::instances() const { return get("/v1/instances").json(); }

bool fleet_fixture::wait_ready(int n, std::chrono::milliseconds deadline) const {
  return testing::wait_until(
      [&] {
        auto r = get("/health");
        if (r.status != 200) return false;
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        return !j.is_discarded() && j.value("ready_instances", 0) >= n;
      },
      deadline, 100ms);
}

std::vector<std::string> fleet_fixture::log_lines() const {
  auto lines = server_->stderr_lines();
  auto out = server_->stdout_lines();
  lines.insert(lines.end(), out.begin(), out.end());
  return lines;
}

std::vector<std::string> fleet_fixture::offered_models() {
  const bool newer = sim().state()["page"]["ui_variant"] != "2025";
  std::vector<std::string> ids;
  for (const auto& m : sim::known_models())
    if (newer || !m.newer) ids.push_back(m.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string expected_answer(const std::string& prompt, const std::string& model,
                            double temperature, double top_p) {
  sim::answer_input in;
  in.prompt = site::flatten_prompt({core::chat_message{"user", prompt}});
  in.model = model;
  in.temperature = temperature;
  in.top_p = top_p;
  return sim::compute_answer(in).text();
}

nlohmann::json chat_body(const std::string& prompt, const std::string& model, bool stream) {
  return {{"model", model},
          {"stream", stream},
          {"messages", nlohmann::json::array({{{"role", "user"}, {"content", prompt}}})}};
}

streaming_call start_stream(int port, const nlohmann::json& body, std::chrono::milliseconds timeout) {
  auto first = std::make_shared<std::promise<void>>();
  auto seen = std::make_shared<bool>(false);
  streaming_call call;
  call.first_chunk = first->get_future();
  call.response = std::async(std::launch::async, [=] {
    return testing::http_request_stream(
        "POST", port, "/v1/chat/completions", body.dump(), {{"Content-Type", "application/json"}},
        [=](const std::string& piece) {
          if (!*seen && piece.find("data: {") != std::string::npos) {
            *seen = true;
            first->set_value();
          }
          return true;
        },
        timeout);
  });
  return call;
}

std::vector<int> browser_pids(const std::string& needle) {
  std::vector<int> pids;
  DIR* d = ::opendir("/proc");
  if (!d) return pids;
  while (dirent* e = ::readdir(d)) {
    int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    std::string cmd;
    try {
      std::ifstream f(std::string("/proc/") + e->d_name + "/cmdline", std::ios::binary);
      cmd.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    } catch (const std::exception&) {
      continue;  // it exited while being read (ESRCH)
    }
    const bool browser = cmd.find("chrom") != std::string::npos || cmd.find("firefox") != std::string::npos;
    if (browser && cmd.find(needle) != std::string::npos)
      pids.push_back(pid);
  }
  ::closedir(d);
  return pids;
}

}  // namespace camoufleet::e2e
