// The shared test helpers themselves (tests/support), tested here because
// every area's tests lean on them.

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "test_support.hpp"

using namespace camoufleet::testing;
namespace fs = std::filesystem;

namespace {
// Running (not gone, not a zombie waiting for a parent that may never reap).
bool alive(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}
}  // namespace

TEST_CASE("sim support: temp_dir is created and removed with its contents") {
  std::string path;
  {
    temp_dir dir("camoufleet-support-");
    path = dir.path();
    CHECK(fs::is_directory(path));
    fs::create_directories(dir.file("a/b"));
    std::ofstream(dir.file("a/b/c.txt")) << "x";
    CHECK(fs::exists(dir.file("a/b/c.txt")));
  }
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("sim support: wait_until returns as soon as true, false at the deadline") {
  int calls = 0;
  auto start = std::chrono::steady_clock::now();
  CHECK(wait_until([&] { return ++calls >= 3; }, 5s, 1ms));
  CHECK(calls == 3);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  start = std::chrono::steady_clock::now();
  CHECK_FALSE(wait_until([] { return false; }, 50ms));
  CHECK(std::chrono::steady_clock::now() - start >= 50ms);
}

TEST_CASE("sim support: child_process captures both streams, env additions and exit status") {
  child_process p({"/bin/sh", "-c", "echo out-$CAMOUFLEET_T; echo err-line >&2; exit 3"},
                  {{"CAMOUFLEET_T", "42"}});
  CHECK(p.pid() > 0);
  CHECK(p.wait_for_line(std::regex("^out-42$"), 5s) == std::optional<std::string>("out-42"));
  CHECK(p.wait_for_line([](const std::string& l) { return l == "err-line"; }, 5s));
  auto status = p.wait_exit(5s);
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 3);
  CHECK_FALSE(p.running());
  CHECK(p.stdout_lines() == std::vector<std::string>{"out-42"});
  CHECK(p.stderr_lines() == std::vector<std::string>{"err-line"});
  CHECK_FALSE(p.wait_for_line(std::regex("never"), 20ms));
}

TEST_CASE("sim support: child_process destructor kills the whole process group") {
  int grandchild = 0;
  {
    child_process p({"/bin/sh", "-c", "sleep 300 & echo child=$!; wait"});
    auto line = p.wait_for_line(std::regex("^child=\\d+$"), 5s);
    REQUIRE(line);
    grandchild = std::stoi(line->substr(6));
    CHECK(alive(grandchild));
  }
  CHECK(wait_until([&] { return !alive(grandchild); }, 5s));
}

TEST_CASE("sim support: what a test started dies with it when the test process aborts") {
  int orphan = 0;
  {
    child_process probe({ABORT_PROBE});
    auto line = probe.wait_for_line(std::regex("^child=\\d+$"), 10s);
    REQUIRE(line);
    orphan = std::stoi(line->substr(6));
    auto status = probe.wait_exit(10s);
    REQUIRE(status);
    CHECK(WIFSIGNALED(*status));
    CHECK(WTERMSIG(*status) == SIGABRT);
  }
  // No destructor ran in the probe: PR_SET_PDEATHSIG stopped its child.
  CHECK(wait_until([&] { return !alive(orphan); }, 5s));
  if (alive(orphan)) ::kill(orphan, SIGKILL);
}

TEST_CASE("sim support: kill sends a signal, a missing program exits 127") {
  child_process p({"/bin/sh", "-c", "echo ready; exec sleep 300"});
  REQUIRE(p.wait_for_line(std::regex("ready"), 5s));
  p.kill(SIGTERM);
  auto status = p.wait_exit(5s);
  REQUIRE(status);
  CHECK(WIFSIGNALED(*status));
  CHECK(WTERMSIG(*status) == SIGTERM);

  child_process missing({"/nonexistent/program"});
  auto st = missing.wait_exit(5s);
  REQUIRE(st);
  CHECK(WEXITSTATUS(*st) == 127);
}

TEST_CASE("sim support: http_request reports a refused connection without throwing") {
  // Find a port nobody listens on: start and stop a simulator.
  int port = 0;
  {
    sim_process sim;
    port = sim.port();
  }
  auto r = http_request("GET", port, "/", "", {}, 2s);
  CHECK(r.status == 0);
  CHECK(r.error.find("connect") == 0);
}

TEST_CASE("sim support: http_request times out on a server that never answers") {
  sim_process sim({"--first-token-ms", "0"});
  sim.set_faults({{"hang", true}});
  auto start = std::chrono::steady_clock::now();
  auto r = http_request("POST", sim.port(),
                        "/$rpc/google.internal.alkali.applications.makersuite.v1.MakerSuiteService/"
                        "GenerateContent",
                        R"({"prompt":"x"})", {{"Cookie", sim_process::cookie_header("alice")}},
                        300ms);
  CHECK(r.status == 200);  // headers came, the body never did
  CHECK(r.error.find("timeout") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}
