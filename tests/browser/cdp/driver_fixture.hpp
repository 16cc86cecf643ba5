#pragma once
// What the page-driver tests share: a simulator with fast pacing and its
// profiles, starting real Chromium sessions against it, collecting deltas.
// Every browser, simulator and temp dir is owned by an RAII object, so a
// failing check leaves nothing behind.

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/chat.hpp"
#include "browser/cdp/chromium_session.hpp"
#include "site/chat_page.hpp"
#include "browser/session.hpp"
#include "site/site_profile.hpp"
#include "browser/storage_state.hpp"
#include "sim/answer.hpp"
#include "test_support.hpp"

using namespace camoufleet;
using namespace camoufleet::browser;
using namespace camoufleet::browser::cdp;
using namespace camoufleet::core;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::sim_process;
using testing::temp_dir;
using testing::wait_until;

namespace driver_test {

constexpr int answer_tokens = 12;

// A free port found by binding port 0: the first DevTools port to try.
inline int free_base_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

struct exit_record {
  std::mutex mu;
  std::vector<std::string> reasons;
  int count() {
    std::lock_guard<std::mutex> lock(mu);
    return static_cast<int>(reasons.size());
  }
};

// One simulator with fast pacing, its profiles, and helpers to start browsers.
struct sim_fixture {
  temp_dir dir{"camoufleet-driver-"};
  sim_process sim;
  std::shared_ptr<exit_record> exits = std::make_shared<exit_record>();

  // extra: more simulator options (a UI variant of its own, ...).
  explicit sim_fixture(std::vector<std::string> extra = {})
      : sim([&] {
          std::vector<std::string> a{"--first-token-ms", "20", "--token-ms", "5", "--tokens",
                                     std::to_string(answer_tokens)};
          a.insert(a.end(), extra.begin(), extra.end());
          return a;
        }()) {
    sim.write_profiles(dir.path());
  }

  session_options options(const std::string& account = "alice") const {
    session_options o;
    o.instance_id = "test_" + account;
    o.kind = testing::browser_kind() == "firefox"    ? browser_kind::firefox
             : testing::browser_kind() == "camoufox" ? browser_kind::camoufox
                                                     : browser_kind::chromium;
    o.browser_path = testing::browser_path();
    o.base_port = free_base_port();
    o.profile_root = dir.path();
    o.auth_file = account.empty() ? "" : dir.file(account + ".json");
    o.site_url = sim.url();
    o.start_timeout = 30s;
    return o;
  }

  std::unique_ptr<session> start(const session_options& o) {
    auto rec = exits;
    return start_session(o, [rec](const std::string& reason) {
      std::lock_guard<std::mutex> lock(rec->mu);
      rec->reasons.push_back(reason);
    });
  }
  std::unique_ptr<session> start(const std::string& account = "alice") {
    return start(options(account));
  }

  json last_request() { return sim.state()["requests"].back(); }
};

struct collected {
  std::vector<delta> deltas;
  std::string text;
  std::string reasoning;
  std::function<void(const delta&)> fn() {
    return [this](const delta& d) {
      deltas.push_back(d);
      text += d.content;
      reasoning += d.reasoning;
    };
  }
};

inline failure_kind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const driver_error& e) {
    MESSAGE("driver_error: " << std::string(e.what()));
    return e.kind();
  }
  FAIL("no driver_error");
  return failure_kind::site_error;
}

inline sim::answer expected(const std::string& prompt, sim::answer_input in = {}) {
  in.prompt = prompt;
  in.length = answer_tokens;
  return sim::compute_answer(in);
}

inline std::vector<chat_message> ask(const std::string& text) {
  return {{"user", text}};
}

// A copy of the shipped site file with some keys replaced.
inline std::string site_file_with(const temp_dir& dir, const std::function<void(json&)>& edit) {
  std::ifstream in(site::default_site_file());
  std::stringstream ss;
  ss << in.rdbuf();
  json doc = json::parse(ss.str());
  edit(doc);
  std::string path = dir.file("site.json");
  std::ofstream(path) << doc.dump(2);
  return path;
}

inline bool process_alive(int pid) {
  return pid > 0 && ::kill(pid, 0) == 0;
}

}  // namespace driver_test
