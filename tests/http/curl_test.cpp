// An independent HTTP implementation (curl) must accept our bytes: it fails
// with "Malformed encoding found in chunked-encoding" on a framing slip.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake_gateway.hpp"
#include "http/server.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;

namespace {

// A child whose stdout we collect; killed by PID and reaped even when a check fails.
class child_run {
 public:
  explicit child_run(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_fd_ = fds[0];
  }
  ~child_run() {
    if (out_fd_ >= 0) ::close(out_fd_);
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // Reads stdout to EOF and reaps; false on timeout.
  bool finish(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    while (out_fd_ >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{out_fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      const auto n = ::read(out_fd_, buf, sizeof buf);
      if (n <= 0) break;
      out_.append(buf, static_cast<std::size_t>(n));
    }
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) {
      reaped_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return reaped_;
  }
  const std::string& out() const { return out_; }
  int exit_code() const { return exit_code_; }

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::string out_;
};

}  // namespace

TEST_CASE("curl reads our streams and replies without complaint") {
  if (::access("/usr/bin/curl", X_OK) != 0) {
    MESSAGE("curl not installed: skipped");
    return;
  }
  fake_gateway gw;
  http::server_options o;
  o.port = 0;
  o.keep_alive_interval = 100ms;
  o.tick_interval = 20ms;
  http::server srv(o, gw);
  srv.start();
  gw.set_script([](const completion_request&) {
    std::vector<script_step> s;
    request_assigned a;
    a.instance_id = "inst-curl";
    s.push_back({300ms, a});  // long enough for keep-alives to go first
    for (int i = 0; i < 30; ++i) {
      request_delta d;
      d.content = "w" + std::to_string(i) + " ";
      s.push_back({2ms, d});
    }
    request_finished f;
    f.instance_id = "inst-curl";
    f.content = "done";
    s.push_back({2ms, f});
    return s;
  });
  const std::string url = "http://127.0.0.1:" + std::to_string(srv.port()) + "/v1/chat/completions";
  const std::string stream_body =
      R"({"messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}})";
  child_run stream({"/usr/bin/curl", "-sS", "-N", "--max-time", "15", "-D", "-", "-H",
                    "Content-Type: application/json", "-d", stream_body, url});
  REQUIRE(stream.finish(20s));
  CHECK(stream.exit_code() == 0);
  const auto& s = stream.out();
  CHECK(s.find("HTTP/1.1 200") == 0);
  CHECK(s.find("text/event-stream") != std::string::npos);
  CHECK(s.find(": keep-alive\n\n") != std::string::npos);
  CHECK(s.find("\"content\":\"w29 \"") != std::string::npos);
  CHECK(s.find("\"usage\":") != std::string::npos);
  CHECK(s.size() >= 14);
  CHECK(s.substr(s.size() - 14) == "data: [DONE]\n\n");

  child_run plain({"/usr/bin/curl", "-sS", "--max-time", "15", "-H",
                   "Content-Type: application/json", "-d",
                   R"({"messages":[{"role":"user","content":"hi"}]})", url});
  REQUIRE(plain.finish(20s));
  CHECK(plain.exit_code() == 0);
  auto j = nlohmann::json::parse(plain.out());
  CHECK(j["choices"][0]["message"]["content"] == "done");

  // A body larger than one read of the reactor goes through as well.
  const std::string big = R"({"messages":[{"role":"user","content":")" + std::string(3000, 'a') + R"("}]})";
  child_run large({"/usr/bin/curl", "-sS", "--max-time", "15", "-H",
                   "Content-Type: application/json", "-d", big, url});
  REQUIRE(large.finish(20s));
  CHECK(large.exit_code() == 0);
  CHECK(nlohmann::json::parse(large.out())["choices"][0]["message"]["content"] == "done");
}
