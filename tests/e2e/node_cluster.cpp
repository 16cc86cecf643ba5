#include "tests/e2e/node_cluster.hpp"

#include <sys/stat.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "tests/e2e/fleet_fixture.hpp"

namespace camoufleet::e2e {

namespace {

std::string tail_of(const testing::child_process& p, std::size_t n = 60) {
  auto lines = p.stderr_lines();
  auto out = p.stdout_lines();
  lines.insert(lines.end(), out.begin(), out.end());
  std::ostringstream s;
  for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    s << lines[i] << "\n";
  return s.str();
}

int port_from(const std::string& line) {
  std::smatch m;
  std::regex_search(line, m, std::regex(":([0-9]+)$"));
  return std::stoi(m[1]);
}

}  // namespace

node_cluster::node_cluster(std::vector<std::string> sim_args) {
  dir_ = std::make_unique<testing::temp_dir>("camoufleet-nodes-");
  sim_ = std::make_unique<testing::sim_process>(std::move(sim_args));
  all_profiles_ = dir_->file("all");
  ::mkdir(all_profiles_.c_str(), 0700);
  sim_->write_profiles(all_profiles_, 3);
  ::mkdir(dir_->file("head-auth").c_str(), 0700);
}

node_cluster::~node_cluster() {
  // A clean stop first (browsers close, profile dirs go); the child_process
  // destructors SIGKILL whatever is left.
  for (auto& [id, p] : nodes_)
    if (p && p->running()) {
      p->kill(SIGTERM);
      p->wait_exit(std::chrono::seconds(20));
    }
  if (head_ && head_->running()) {
    head_->kill(SIGTERM);
    head_->wait_exit(std::chrono::seconds(20));
  }
  nodes_.clear();
  head_.reset();
  old_.clear();
  sim_.reset();
}

void node_cluster::start_head(const std::vector<std::string>& extra, int node_port) {
  std::vector<std::string> argv = {camoufleet_binary(), "--headless", "--multi", "--port", "0",
                                   "--auth-dir", dir_->file("head-auth"), "--site-url", sim_->url(),
                                   "--profile-root", dir_->path(), "--log-level", "debug",
                                   "--node-listen", "127.0.0.1:" + std::to_string(node_port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  if (head_) old_.push_back(std::move(head_));
  head_ = std::make_unique<testing::child_process>(argv);
  auto http = head_->wait_for_line(std::regex("camoufleet listening on http://[0-9.]+:([0-9]+)"),
                                   std::chrono::seconds(60));
  auto nodes = head_->wait_for_line(std::regex("camoufleet nodes join on [0-9.]+:([0-9]+)"),
                                    std::chrono::seconds(5));
  if (!http || !nodes) throw std::runtime_error("the head did not start:\n" + tail_of(*head_));
  port_ = port_from(*http);
  node_port_ = port_from(*nodes);
}

void node_cluster::stop_head(int sig) {
  ::kill(head_->pid(), sig);
  head_->wait_exit(std::chrono::seconds(30));
}

void node_cluster::start_node(const std::string& id, const std::vector<std::string>& accounts,
                              const std::vector<std::string>& extra) {
  const auto auth = dir_->file("auth-" + id);
  ::mkdir(auth.c_str(), 0700);
  for (const auto& a : accounts) {
    std::ifstream in(all_profiles_ + "/" + a + ".json", std::ios::binary);
    std::ofstream out(auth + "/" + a + ".json", std::ios::binary);
    out << in.rdbuf();
    ::chmod((auth + "/" + a + ".json").c_str(), 0600);
  }
  std::vector<std::string> argv = {camoufleet_binary(), "node", "--head",
                                   "127.0.0.1:" + std::to_string(node_port_), "--node-id", id,
                                   "--headless", "--auth-dir", auth, "--site-url", sim_->url(),
                                   "--profile-root", dir_->path(), "--log-level", "debug",
                                   "--base-port", std::to_string(next_base_port_)};
  next_base_port_ += 50;
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto& slot = nodes_[id];
  if (slot) old_.push_back(std::move(slot));
  slot = std::make_unique<testing::child_process>(argv);
  if (!slot->wait_for_line(std::regex("camoufleet node " + id + " joining"), std::chrono::seconds(30)))
    throw std::runtime_error("node " + id + " did not start:\n" + tail_of(*slot));
}

void node_cluster::stop_node(const std::string& id, int sig) {
  auto& p = *nodes_.at(id);
  ::kill(p.pid(), sig);
  p.wait_exit(std::chrono::seconds(30));
}

bool node_cluster::node_running(const std::string& id) { return nodes_.at(id)->running(); }

std::string node_cluster::write_secret(const std::string& name, const std::string& text) {
  const auto path = dir_->file(name);
  std::ofstream(path) << text << "\n";
  ::chmod(path.c_str(), 0600);
  return path;
}

testing::http_response node_cluster::get(const std::string& target) const {
  return testing::http_request("GET", port_, target, "", {}, std::chrono::seconds(10));
}

testing::http_response node_cluster::post(const std::string& target, const nlohmann::json& body,
                                          std::chrono::milliseconds timeout) const {
  return testing::http_request("POST", port_, target, body.dump(),
                               {{"Content-Type", "application/json"}}, timeout);
}

nlohmann::json node_cluster::instances() const {
  auto r = get("/v1/instances");
  if (r.status != 200) return nlohmann::json::object();
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

int node_cluster::ready(const std::string& node_id) const {
  int n = 0;
  for (const auto& i : instances().value("instances", nlohmann::json::array()))
    if (i.value("status", "") == "ready" &&
        (node_id.empty() || (i["node"].is_string() && i["node"] == node_id)))
      ++n;
  return n;
}

int node_cluster::present(const std::string& node_id) const {
  int n = 0;
  for (const auto& i : instances().value("instances", nlohmann::json::array()))
    if (i["node"].is_string() && i["node"] == node_id) ++n;
  return n;
}

bool node_cluster::wait_ready(const std::string& node_id, int n,
                              std::chrono::milliseconds deadline) const {
  return testing::wait_until([&] { return ready(node_id) >= n; }, deadline,
                             std::chrono::milliseconds(100));
}

bool node_cluster::logged(const testing::child_process& p, const std::string& needle) {
  return count_logged(p, needle) > 0;
}

int node_cluster::count_logged(const testing::child_process& p, const std::string& needle) {
  int n = 0;
  for (const auto& l : p.stderr_lines()) n += l.find(needle) != std::string::npos;
  for (const auto& l : p.stdout_lines()) n += l.find(needle) != std::string::npos;
  return n;
}

std::string node_cluster::all_logs() const {
  std::ostringstream s;
  if (head_) s << "--- head\n" << tail_of(*head_);
  for (const auto& [id, p] : nodes_)
    if (p) s << "--- node " << id << "\n" << tail_of(*p);
  return s.str();
}

}  // namespace camoufleet::e2e
