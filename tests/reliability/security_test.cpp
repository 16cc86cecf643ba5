// Item 8 of issue 7: what the server exposes and what it writes down.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <regex>

#include "tests/e2e/fleet_fixture.hpp"
#include "tests/e2e/sse_reader.hpp"
#include "tests/reliability/rel_support.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using namespace camoufleet::reliability;
using nlohmann::json;

namespace {

// Every cookie value in the profiles the server was given.
std::vector<std::string> cookie_values(const std::string& auth_dir) {
  std::vector<std::string> out;
  for (const auto& file : dir_entries(auth_dir, "")) {
    if (file.size() < 5 || file.substr(file.size() - 5) != ".json") continue;
    std::ifstream in(file);
    auto j = json::parse(in, nullptr, false);
    if (j.is_discarded()) continue;
    for (const auto& c : j.value("cookies", json::array()))
      if (c.contains("value")) out.push_back(c["value"].get<std::string>());
  }
  return out;
}

const std::regex sim_cookie_value("SID-[a-z0-9]+-[0-9a-f]{8}");

}  // namespace

TEST_CASE("reliability: CDP listens on loopback only, profiles are 0700, keys guard every route, no secret leaks") {
  fleet_config cfg;
  cfg.api_keys = {"sk-rel-secret-one", "sk-rel-secret-two"};
  cfg.server_args = {"--log-level", "trace"};
  fleet_fixture f(cfg);
  const testing::header_list auth = {{"Authorization", "Bearer sk-rel-secret-two"}};
  std::vector<std::string> responses;

  // Keys: everything but /health needs one.
  auto h = f.get("/health");
  CHECK(h.status == 200);
  responses.push_back(h.body);
  struct route {
    std::string method, target;
  };
  const std::vector<route> guarded = {{"GET", "/v1/models"},        {"GET", "/v1/models/gemini-2.5-pro"},
                                      {"GET", "/v1/instances"},     {"GET", "/v1/queue"},
                                      {"POST", "/v1/chat/completions"}, {"POST", "/v1/cancel/chatcmpl-x"},
                                      {"GET", "/v1/nothing-here"},      {"GET", "/metrics"},
                                      {"GET", "/v1/events"},
                                      {"POST", "/v1/instances/instance_1/restart"},
                                      {"POST", "/v1/instances/instance_1/pause"},
                                      {"POST", "/v1/instances/instance_1/resume"}};
  int denied = 0;
  for (const auto& r : guarded) {
    for (const testing::header_list& bad : {testing::header_list{},
                                            testing::header_list{{"Authorization", "Bearer sk-rel-secret-on"}},
                                            testing::header_list{{"Authorization", "sk-rel-secret-one"}}}) {
      auto res = testing::http_request(r.method, f.port(), r.target,
                                       r.method == "POST" ? chat_body("hi").dump() : "", bad);
      CHECK_MESSAGE(res.status == 401, r.method << " " << r.target << " -> " << res.status);
      CHECK(is_openai_error(res.body));
      if (res.status == 401) ++denied;
      responses.push_back(res.body);
    }
  }
  // With a key: real answers, whose bodies are searched for secrets below.
  for (const char* target : {"/v1/models", "/v1/instances", "/v1/queue", "/metrics"}) {
    auto res = f.get(target, auth);
    CHECK(res.status == 200);
    responses.push_back(res.body);
  }
  auto done = f.post("/v1/chat/completions", chat_body("secret check"), auth);
  CHECK(done.status == 200);
  responses.push_back(done.body);
  auto streamed = f.post("/v1/chat/completions", chat_body("secret check stream", "gemini-2.5-pro", true), auth);
  CHECK(streamed.status == 200);
  CHECK(parse_sse(streamed.body).done());
  responses.push_back(streamed.body);

  // CDP ports: reachable on 127.0.0.1, not on any other address.
  auto inst = f.get("/v1/instances", auth).json();
  auto others = non_loopback_ipv4();
  int cdp_ports = 0;
  int browser_processes = 0;
  for (const auto& i : inst["instances"]) {
    int port = i["port"];
    int fd = tcp_connect("127.0.0.1", port);
    CHECK_MESSAGE(fd >= 0, "CDP port " << port << " on 127.0.0.1");
    if (fd >= 0) ::close(fd);
    for (const auto& addr : others) {
      int ofd = tcp_connect(addr, port);
      CHECK_MESSAGE(ofd < 0, "CDP port " << port << " reachable on " << addr);
      if (ofd >= 0) ::close(ofd);
    }
    ++cdp_ports;
    // No socket of the server (its listening socket, its connections) is
    // held by the browser or any of its helpers.
    const int browser = browser_pid_for_port(f, port);
    CHECK(browser > 0);
    const auto server_sockets = sockets_of(f.server().pid());
    CHECK_FALSE(server_sockets.empty());
    for (int pid : testing::group_pids(browser)) {
      ++browser_processes;
      for (const auto& sock : sockets_of(pid)) {
        const bool shared =
            std::find(server_sockets.begin(), server_sockets.end(), sock) != server_sockets.end();
        CHECK_MESSAGE(!shared, "browser process " << pid << " holds the server's " << sock);
      }
    }
  }
  if (others.empty()) MESSAGE("no non-loopback IPv4 address here: only the loopback side was checked");

  // Profile dirs hold cookies: owner only.
  auto dirs = dir_entries(profile_root(f), "camoufleet-");
  CHECK(dirs.size() == 3);
  for (const auto& d : dirs) {
    struct stat st {};
    REQUIRE(::stat(d.c_str(), &st) == 0);
    CHECK_MESSAGE((st.st_mode & 0777) == 0700, d << " mode " << std::oct << (st.st_mode & 0777));
  }

  // Secrets: no cookie value and no key in any log line or response.
  auto values = cookie_values(f.auth_dir());
  REQUIRE(!values.empty());
  auto lines = f.log_lines();
  // The last --log-level wins: the server really logs at trace level.
  bool at_trace = false;
  for (const auto& l : lines)
    if (l.find("camoufleet starting:") != std::string::npos && l.find("log_level=trace") != std::string::npos)
      at_trace = true;
  CHECK(at_trace);
  CHECK(lines.size() > 20);
  int leaks = 0;
  auto leaked = [&](const std::string& text) {
    if (std::regex_search(text, sim_cookie_value)) return true;
    if (text.find("sk-rel-secret") != std::string::npos) return true;
    for (const auto& v : values)
      if (v.size() >= 8 && text.find(v) != std::string::npos) return true;
    return false;
  };
  for (const auto& l : lines) {
    if (leaked(l)) {
      ++leaks;
      MESSAGE("leaking log line: " << l.substr(0, 200));
    }
  }
  for (const auto& b : responses) {
    if (leaked(b)) {
      ++leaks;
      MESSAGE("leaking response: " << b.substr(0, 200));
    }
  }
  CHECK(leaks == 0);
  figure("security: " + std::to_string(denied) + " unauthenticated requests refused 401; " +
         std::to_string(cdp_ports) + " CDP ports checked against " + std::to_string(others.size()) +
         " non-loopback address(es); " + std::to_string(browser_processes) +
         " browser processes hold no server socket; " + std::to_string(dirs.size()) +
         " profile dirs 0700; " +
         std::to_string(lines.size()) + " trace log lines + " + std::to_string(responses.size()) +
         " responses searched for " + std::to_string(values.size()) + " cookie values and 2 keys: " +
         std::to_string(leaks) + " leaks");
}

TEST_CASE("reliability: a world-readable auth file is warned about") {
  fleet_config cfg = with_accounts(1);
  cfg.before_start = [](const std::string& auth_dir) {
    ::chmod((auth_dir + "/alice.json").c_str(), 0644);
  };
  fleet_fixture f(cfg);
  bool warned = false;
  for (const auto& l : f.log_lines())
    if (l.find("alice.json") != std::string::npos &&
        (l.find("readable") != std::string::npos || l.find("chmod") != std::string::npos) &&
        (l.find("warn") != std::string::npos || l.find("WARN") != std::string::npos))
      warned = true;
  CHECK(warned);
  figure(std::string("world-readable auth file: warning in the log: ") + (warned ? "yes" : "no"));
}
