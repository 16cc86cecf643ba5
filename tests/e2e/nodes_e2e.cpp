// Issue 19 end to end: a real head and real `camoufleet node` processes on
// loopback, real Chromium, the AI Studio simulator. Label `nodes`.

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>
#include <string>
#include <vector>

#include "tests/e2e/fleet_fixture.hpp"
#include "tests/e2e/node_cluster.hpp"
#include "tests/e2e/sse_reader.hpp"

using namespace camoufleet::e2e;
using nlohmann::json;
namespace testing = camoufleet::testing;

namespace {

const json slow_pacing = {{"first_token_ms", 300}, {"token_ms", 60}};

// Non-stream completions of these prompts, all at once; each gives its body.
std::vector<std::future<testing::http_response>> fire(const node_cluster& c,
                                                      const std::vector<std::string>& prompts) {
  std::vector<std::future<testing::http_response>> calls;
  for (const auto& p : prompts)
    calls.push_back(std::async(std::launch::async, [&c, p] {
      return c.post("/v1/chat/completions", chat_body(p), std::chrono::seconds(120));
    }));
  return calls;
}

void check_answers(std::vector<std::future<testing::http_response>>& calls,
                   const std::vector<std::string>& prompts, const node_cluster& c) {
  for (std::size_t i = 0; i < calls.size(); ++i) {
    REQUIRE(calls[i].wait_for(std::chrono::seconds(150)) == std::future_status::ready);
    auto r = calls[i].get();
    INFO("prompt " << prompts[i] << ": " << r.status << " " << r.body << "\n" << c.all_logs());
    REQUIRE(r.status == 200);
    CHECK(r.json()["choices"][0]["message"]["content"] == expected_answer(prompts[i]));
  }
}

// A head and two nodes with one account each (node-a: alice, node-b: bob), ready.
void start_two_nodes(node_cluster& c) {
  c.start_head();
  c.start_node("node-a", {"alice"});
  c.start_node("node-b", {"bob"});
  REQUIRE_MESSAGE(c.wait_ready("", 2, std::chrono::seconds(90)), c.all_logs());
}

json instance_of(const node_cluster& c, const std::string& node_id) {
  for (const auto& i : c.instances().value("instances", json::array()))
    if (i["node"].is_string() && i["node"] == node_id) return i;
  return nullptr;
}

}  // namespace

TEST_CASE("nodes: requests spread over both nodes' instances, shown in /v1/instances and /health") {
  node_cluster c;
  start_two_nodes(c);

  std::vector<std::string> prompts;
  for (int i = 0; i < 6; ++i) prompts.push_back("spread over nodes " + std::to_string(i));
  auto calls = fire(c, prompts);
  check_answers(calls, prompts, c);

  auto a = instance_of(c, "node-a");
  auto b = instance_of(c, "node-b");
  REQUIRE(a.is_object());
  REQUIRE(b.is_object());
  CHECK(a["id"] == "node-a.instance_1");
  CHECK(a["node_host"] == "127.0.0.1");
  CHECK(a["auth_file"] == "alice.json");
  CHECK(a["served"].get<int>() >= 1);
  CHECK(b["served"].get<int>() >= 1);
  CHECK(a["served"].get<int>() + b["served"].get<int>() == 6);

  auto health = c.get("/health").json();
  CHECK(health["total_instances"] == 2);
  CHECK(health["nodes"]["node-a"]["ready_instances"] == 1);
  CHECK(health["nodes"]["node-b"]["host"] == "127.0.0.1");

  // A stream goes over the wire too, delta by delta.
  auto r = c.post("/v1/chat/completions", chat_body("stream from a node", "gemini-2.5-pro", true));
  REQUIRE(r.status == 200);
  CHECK(r.header("X-Camoufleet-Instance").find(".instance_1") != std::string::npos);
  auto s = parse_sse(r.body);
  CHECK(s.done());
  CHECK(s.content() == expected_answer("stream from a node"));
  CHECK(c.get("/v1/models").json()["data"].size() > 0);
}

TEST_CASE("nodes: kill -9 of a node under load loses no non-stream request, and it rejoins") {
  node_cluster c;
  start_two_nodes(c);
  c.sim().set_pacing(slow_pacing);

  std::vector<std::string> prompts;
  for (int i = 0; i < 5; ++i) prompts.push_back("node killed under load " + std::to_string(i));
  auto calls = fire(c, prompts);
  REQUIRE(testing::wait_until(
      [&] {
        auto a = instance_of(c, "node-a");
        return a.is_object() && a["current_request_id"].is_string();
      },
      std::chrono::seconds(30), std::chrono::milliseconds(20)));
  c.stop_node("node-a", SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  CHECK(testing::wait_until([&] { return c.present("node-a") == 0; }, std::chrono::seconds(3),
                            std::chrono::milliseconds(20)));
  MESSAGE("node-a's instance left the pool after "
          << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed).count()
          << " ms");
  check_answers(calls, prompts, c);
  CHECK(node_cluster::logged(c.head(), "node-a.instance_1 left the fleet"));

  // Restarted, it joins again on its own.
  c.start_node("node-a", {"alice"});
  REQUIRE_MESSAGE(c.wait_ready("node-a", 1, std::chrono::seconds(90)), c.all_logs());

  // A stream that lost its node after its first byte ends with an SSE error.
  REQUIRE(c.post("/v1/instances/node-b.instance_1/pause", json::object()).status == 200);
  auto stream = start_stream(c.port(), chat_body("stream loses its node", "gemini-2.5-pro", true));
  REQUIRE(stream.first_chunk.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  c.stop_node("node-a", SIGKILL);
  REQUIRE(stream.response.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  auto r = stream.response.get();
  auto s = parse_sse(r.body);
  INFO(r.body);
  CHECK(s.done());
  CHECK(s.has_error_event());
}

TEST_CASE("nodes: SIGTERM of a node finishes its running stream, takes it out of the pool, and the node exits") {
  node_cluster c;
  start_two_nodes(c);
  c.sim().set_pacing(slow_pacing);

  // The stream goes to node-a (node-b paused), then node-a is told to stop.
  REQUIRE(c.post("/v1/instances/node-b.instance_1/pause", json::object()).status == 200);
  const std::string prompt = "a drained node finishes this";
  auto stream = start_stream(c.port(), chat_body(prompt, "gemini-2.5-pro", true));
  REQUIRE(stream.first_chunk.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  REQUIRE(c.post("/v1/instances/node-b.instance_1/resume", json::object()).status == 200);
  ::kill(c.node("node-a").pid(), SIGTERM);

  // Its instance leaves the pool at once; new requests go to node-b.
  REQUIRE_MESSAGE(testing::wait_until([&] { return c.present("node-a") == 0; }, std::chrono::seconds(10),
                                      std::chrono::milliseconds(20)),
                  c.all_logs());
  auto after = c.post("/v1/chat/completions", chat_body("after the drain began"), std::chrono::seconds(90));
  INFO(after.body << "\n" << c.all_logs());
  REQUIRE(after.status == 200);
  CHECK(after.json()["choices"][0]["message"]["content"] == expected_answer("after the drain began"));

  // The running stream ends whole, with no error event.
  REQUIRE(stream.response.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  auto r = stream.response.get();
  auto s = parse_sse(r.body);
  INFO(r.body);
  CHECK(s.done());
  for (const auto& chunk : s.chunks()) CHECK_FALSE(chunk.contains("error"));
  CHECK(s.content() == expected_answer(prompt));

  // Then the node exits on its own, cleanly.
  auto status = c.node("node-a").wait_exit(std::chrono::seconds(60));
  REQUIRE_MESSAGE(status.has_value(), c.all_logs());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  CHECK(node_cluster::logged(c.node("node-a"), "Draining: leaving the head's pool"));
}

TEST_CASE("nodes: a node with a wrong or no secret is refused, the right one joins") {
  node_cluster c;
  const auto good = c.write_secret("good.secret", "correct horse battery staple");
  const auto bad = c.write_secret("bad.secret", "wrong horse battery staple!!");
  c.start_head({"--node-secret-file", good});
  c.start_node("node-bad", {"alice"}, {"--node-secret-file", bad});
  c.start_node("node-none", {"carol"});
  c.start_node("node-good", {"bob"}, {"--node-secret-file", good});
  REQUIRE_MESSAGE(c.wait_ready("node-good", 1, std::chrono::seconds(90)), c.all_logs());
  REQUIRE(testing::wait_until(
      [&] {
        return node_cluster::logged(c.node("node-bad"), "refused this node: wrong node secret") &&
               node_cluster::logged(c.node("node-none"), "refused this node: no node secret");
      },
      std::chrono::seconds(30), std::chrono::milliseconds(50)));
  CHECK(node_cluster::logged(c.head(), "Node node-bad from 127.0.0.1 refused: wrong node secret"));
  CHECK(c.present("node-bad") == 0);
  CHECK(c.present("node-none") == 0);
  CHECK(c.instances()["total_instances"] == 1);
  for (const auto& l : c.head().stderr_lines()) CHECK(l.find("horse") == std::string::npos);
}

TEST_CASE("nodes: the head restarted gets its nodes back") {
  node_cluster c;
  c.start_head();
  c.start_node("node-a", {"alice"});
  REQUIRE_MESSAGE(c.wait_ready("node-a", 1, std::chrono::seconds(90)), c.all_logs());
  const int node_port = c.node_port();
  c.stop_head(SIGKILL);
  REQUIRE(testing::wait_until([&] { return node_cluster::logged(c.node("node-a"), "Lost the head"); },
                              std::chrono::seconds(10), std::chrono::milliseconds(20)));
  c.start_head({}, node_port);
  REQUIRE_MESSAGE(c.wait_ready("node-a", 1, std::chrono::seconds(30)), c.all_logs());
  auto r = c.post("/v1/chat/completions", chat_body("after the head came back"));
  REQUIRE(r.status == 200);
  CHECK(r.json()["choices"][0]["message"]["content"] == expected_answer("after the head came back"));
  CHECK(c.node_running("node-a"));
}

namespace {

// Runs a command (argv) to its end; true when it exited 0.
bool run(const std::vector<std::string>& argv) {
  testing::child_process p(argv);
  auto status = p.wait_exit(std::chrono::seconds(30));
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

// A private CA and two certificates signed by it (head, node), plus one
// self-signed certificate from elsewhere, in dir.
bool make_certificates(const std::string& dir) {
  const auto f = [&](const std::string& name) { return dir + "/" + name; };
  if (!run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=camoufleet-test-ca", "-keyout", f("ca.key"), "-out", f("ca.pem")}))
    return false;
  for (const std::string who : {"head", "node"}) {
    if (!run({"/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + who,
              "-keyout", f(who + ".key"), "-out", f(who + ".csr")}) ||
        !run({"/usr/bin/openssl", "x509", "-req", "-in", f(who + ".csr"), "-CA", f("ca.pem"),
              "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "2", "-out", f(who + ".pem")}))
      return false;
  }
  return run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
              "-subj", "/CN=elsewhere", "-keyout", f("other.key"), "-out", f("other.pem")});
}

std::vector<std::string> tls_flags(const std::string& dir, const std::string& who) {
  return {"--node-tls-cert", dir + "/" + who + ".pem", "--node-tls-key", dir + "/" + who + ".key",
          "--node-tls-ca", dir + "/ca.pem"};
}

}  // namespace

TEST_CASE("nodes: over TLS a node with a certificate from the CA joins and keeps its link while others fail to connect") {
  if (::access("/usr/bin/openssl", X_OK) != 0) {
    MESSAGE("skipped: no /usr/bin/openssl to make certificates with");
    return;
  }
  testing::temp_dir certs("camoufleet-certs-");
  REQUIRE(make_certificates(certs.path()));
  node_cluster c;
  c.start_head(tls_flags(certs.path(), "head"));
  c.start_node("node-tls", {"alice"}, tls_flags(certs.path(), "node"));
  REQUIRE_MESSAGE(c.wait_ready("node-tls", 1, std::chrono::seconds(90)), c.all_logs());
  // Refused ones keep failing their handshakes against the same head while
  // the good link carries requests: a failed handshake must not take the
  // good link down (CAF 0.17 leaves its OpenSSL errors queued on the
  // multiplexer thread; app/openssl_error_queue.cpp clears them).
  // No profiles: these two only try to connect.
  c.start_node("node-plain", {});
  c.start_node("node-foreign", {}, tls_flags(certs.path(), "other"));
  REQUIRE(testing::wait_until(
      [&] {
        return node_cluster::count_logged(c.node("node-plain"), "not joined") >= 2 &&
               node_cluster::count_logged(c.node("node-foreign"), "not joined") >= 2;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(50)));
  for (int i = 0; i < 3; ++i) {
    const auto prompt = "over tls " + std::to_string(i);
    auto r = c.post("/v1/chat/completions", chat_body(prompt));
    INFO(r.body << "\n" << c.all_logs());
    REQUIRE(r.status == 200);
    CHECK(r.json()["choices"][0]["message"]["content"] == expected_answer(prompt));
  }
  CHECK_MESSAGE(!node_cluster::logged(c.node("node-tls"), "Lost the head"), c.all_logs());
  CHECK(node_cluster::count_logged(c.node("node-tls"), "Joined head") == 1);
  c.stop_node("node-plain", SIGTERM);
  c.stop_node("node-foreign", SIGTERM);
  CHECK_FALSE(node_cluster::logged(c.node("node-plain"), "Joined head"));
  CHECK_FALSE(node_cluster::logged(c.node("node-foreign"), "Joined head"));
  CHECK_FALSE(node_cluster::logged(c.head(), "Node node-plain"));
  CHECK_FALSE(node_cluster::logged(c.head(), "Node node-foreign"));
}

TEST_CASE("nodes: a node with --spare-browsers brings a killed instance back on its warm spare") {
  node_cluster c;
  c.start_head();
  c.start_node("node-a", {"alice"}, {"--spare-browsers", "1"});
  REQUIRE_MESSAGE(c.wait_ready("node-a", 1, std::chrono::seconds(90)), c.all_logs());
  // The spare is the node's own, in its pool once launched and its tab open.
  REQUIRE_MESSAGE(testing::wait_until([&] { return node_cluster::logged(c.node("node-a"), "spare_1 ready to take over"); },
                                      std::chrono::seconds(60)),
                  c.all_logs());
  // The head shows the node's spare beside its own, named after the node.
  auto head_spares = [&] {
    auto j = json::parse(c.get("/health").body, nullptr, false);
    return j.is_object() ? j.value("spares", json()) : json();
  };
  auto spare_ready = [&](const std::string& id) {
    const json s = head_spares();
    if (!s.is_object()) return false;
    for (const auto& b : s.value("browsers", json::array()))
      if (b.value("id", "") == id && b.value("status", "") == "ready") return true;
    return false;
  };
  REQUIRE_MESSAGE(testing::wait_until([&] { return spare_ready("node-a.spare_1"); }, std::chrono::seconds(30)),
                  head_spares().dump());
  {
    const json s = head_spares();
    CHECK(s.value("wanted", 0) == 1);
    CHECK(s.value("ready", 0) == 1);
    CHECK(s["browsers"][0].value("node_id", "") == "node-a");
    CHECK(s["browsers"][0].value("browser_pid", 0) > 0);
  }
  json before = instance_of(c, "node-a");
  REQUIRE(before.is_object());
  const int pid = before.value("browser_pid", 0);
  REQUIRE(pid > 0);  // a node on this machine: its pid is ours to kill
  REQUIRE(::kill(pid, SIGKILL) == 0);

  json after;
  REQUIRE_MESSAGE(testing::wait_until(
                      [&] {
                        after = instance_of(c, "node-a");
                        return after.is_object() && after.value("status", "") == "ready" &&
                               after.value("restarts", 0) > 0;
                      },
                      std::chrono::seconds(60), std::chrono::milliseconds(10)),
                  c.all_logs());
  CHECK(after.value("browser_pid", 0) != pid);
  CHECK(node_cluster::logged(c.node("node-a"), "takes over spare browser"));
  auto r = c.post("/v1/chat/completions", chat_body("node spare"));
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.json()["choices"][0]["message"]["content"] == expected_answer("node spare"));
  // The node refills its pool, and the head sees the new spare, not the used one.
  CHECK_MESSAGE(testing::wait_until([&] { return spare_ready("node-a.spare_2"); }, std::chrono::seconds(60)),
                head_spares().dump());
  CHECK_FALSE(spare_ready("node-a.spare_1"));
}

TEST_CASE("nodes: once a request has its answer or its 429, /v1/instances already shows the state it left on the node") {
  // The instance on the node tells its state before its answer and its
  // outcome, over the same link: a client that holds the answer and then
  // reads /v1/instances sees it served, with no waiting.
  node_cluster c;
  c.start_head();
  c.start_node("node-a", {"alice"});
  REQUIRE_MESSAGE(c.wait_ready("node-a", 1, std::chrono::seconds(90)), c.all_logs());
  const int before = instance_of(c, "node-a").value("served", -1);
  REQUIRE(before >= 0);
  for (int i = 1; i <= 12; ++i) {
    const std::string prompt = "told before answered " + std::to_string(i);
    auto r = c.post("/v1/chat/completions", chat_body(prompt), std::chrono::seconds(60));
    INFO(r.status << " " << r.body);
    REQUIRE(r.status == 200);
    const json a = instance_of(c, "node-a");
    INFO("after answer " << i << ": " << a.dump());
    CHECK(a.value("served", -1) == before + i);
    CHECK(a.value("status", "") == "ready");
  }
  c.sim().set_faults({{"account", "alice"}, {"rate_limit_after", 0}});
  auto r = c.post("/v1/chat/completions", chat_body("told before refused"), std::chrono::seconds(60));
  INFO(r.status << " " << r.body);
  CHECK(r.status == 429);
  const json a = instance_of(c, "node-a");
  INFO(a.dump());
  CHECK(a.value("status", "") == "cooldown");
}
