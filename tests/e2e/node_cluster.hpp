#pragma once
// A head and its nodes (issue 19) as real processes on loopback, with a
// real simulator and real browsers, for the `nodes` tests. Everything is
// stopped by pid (child_process kills its group) and removed when it goes.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace camoufleet::e2e {

class node_cluster {
 public:
  explicit node_cluster(std::vector<std::string> sim_args = {"--first-token-ms", "20",
                                                               "--token-ms", "5"});
  ~node_cluster();

  testing::sim_process& sim() { return *sim_; }

  // The head: --multi, an empty auth dir, --node-listen 127.0.0.1:node_port
  // (0: any; the bound port is read from its log line).
  void start_head(const std::vector<std::string>& extra = {}, int node_port = 0);
  // Stops the head with sig and waits for it to go.
  void stop_head(int sig);
  testing::child_process& head() { return *head_; }
  int port() const { return port_; }
  int node_port() const { return node_port_; }

  // A node with its own auth dir holding copies of these accounts' profiles
  // (alice, bob, carol, user1, user2...).
  void start_node(const std::string& id, const std::vector<std::string>& accounts,
                  const std::vector<std::string>& extra = {});
  void stop_node(const std::string& id, int sig);
  testing::child_process& node(const std::string& id) { return *nodes_.at(id); }
  bool node_running(const std::string& id);

  // A 0600 file holding text, for --node-secret-file.
  std::string write_secret(const std::string& name, const std::string& text);

  testing::http_response get(const std::string& target) const;
  testing::http_response post(const std::string& target, const nlohmann::json& body,
                              std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  nlohmann::json instances() const;  // /v1/instances ({} when it fails)
  // Ready instances of node id ("" = all) in /v1/instances.
  int ready(const std::string& node_id = "") const;
  int present(const std::string& node_id) const;  // instances of that node, any status
  bool wait_ready(const std::string& node_id, int n, std::chrono::milliseconds deadline) const;

  // Lines of a process's log that contain needle.
  static bool logged(const testing::child_process& p, const std::string& needle);
  // How many of p's log lines hold needle.
  static int count_logged(const testing::child_process& p, const std::string& needle);
  // Every log line of head and nodes, for failure messages.
  std::string all_logs() const;

 private:
  std::unique_ptr<testing::temp_dir> dir_;
  std::unique_ptr<testing::sim_process> sim_;
  std::unique_ptr<testing::child_process> head_;
  std::map<std::string, std::unique_ptr<testing::child_process>> nodes_;
  std::vector<std::unique_ptr<testing::child_process>> old_;  // stopped ones, for their logs
  std::string all_profiles_;
  int port_ = 0;
  int node_port_ = 0;
  int next_base_port_ = 9300;
};

}  // namespace camoufleet::e2e
