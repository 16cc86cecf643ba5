// --responses-store-file (app/responses_file.*): what one server kept is
// written to the file and read by the next one, over the real Pistache
// server with a scripted gateway behind it. The whole binary restarted on
// the simulator is in tests/e2e/responses_restart_test.cpp.
#include "app/responses_file.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "test_support.hpp"
#include "tests/http/fake_gateway.hpp"

using namespace camoufleet;
using namespace camoufleet::testing;
using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A server answering every request with "Answer N." through a scripted gateway.
struct serving {
  serving() : srv(options(), gw) {
    gw.set_script([this](const completion_request&) {
      request_finished f;
      f.content = "Answer " + std::to_string(++answered) + ".";
      f.instance_id = "inst-A";
      f.model = "gemini-2.5-pro";
      f.finish_reason = "stop";
      return std::vector<script_step>{{1ms, f}};
    });
  }
  static http::server_options options() {
    http::server_options o;
    o.port = 0;
    o.tick_interval = 50ms;
    return o;
  }
  std::string ask(const std::string& input, const std::string& previous = "") {
    json body = {{"model", "gemini-2.5-pro"}, {"input", input}};
    if (!previous.empty()) body["previous_response_id"] = previous;
    const auto r = http_request("POST", srv.port(), "/v1/responses", body.dump(),
                                {{"Content-Type", "application/json"}});
    REQUIRE(r.status == 200);
    return r.json()["id"];
  }
  std::string get(const std::string& id) {
    const auto r = http_request("GET", srv.port(), "/v1/responses/" + id);
    return r.status == 200 ? r.body : std::string();
  }
  int answered = 0;
  fake_gateway gw;
  http::server srv;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("responses file: written whole, mode 0600, over what was there") {
  temp_dir dir("camoufleet-respfile-");
  const std::string path = dir.file("responses.json");
  {
    std::ofstream old(path);
    old << "old";
  }
  ::chmod(path.c_str(), 0644);
  CHECK(app::write_file_replacing(path, "new text") == "");
  CHECK(read_all(path) == "new text");
  CHECK(mode_of(path) == 0600);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 1);  // no new-file left beside it
  const auto why = app::write_file_replacing(dir.file("missing/responses.json"), "x");
  CHECK(why.find("cannot create " + dir.file("missing/responses.json")) == 0);
}

TEST_CASE("responses file: a new one is written at the start, a path that cannot be is told") {
  temp_dir dir("camoufleet-respfile-");
  serving s;
  app::responses_file fresh(dir.file("responses.json"), s.srv, 1h);
  fresh.load();
  CHECK(json::parse(read_all(dir.file("responses.json")))["responses"] == json::array());
  app::responses_file nowhere(dir.file("missing/responses.json"), s.srv, 1h);
  nowhere.load();
  s.srv.start();
  s.ask("Hello");
  CHECK_FALSE(nowhere.save());
  CHECK(fresh.save());
  CHECK(json::parse(read_all(dir.file("responses.json")))["responses"].size() == 1);
}

TEST_CASE("responses file: what one server kept, the next one has, and continues") {
  temp_dir dir("camoufleet-respfile-");
  const std::string path = dir.file("responses.json");
  std::string first, second, kept;
  {
    serving a;
    app::responses_file file(path, a.srv, 50ms);
    file.load();  // no file yet: none
    a.srv.start();
    file.start();
    first = a.ask("Remember heliotrope.");
    second = a.ask("And now?", first);
    kept = a.get(second);
    // The writer puts it in the file on its own, soon after.
    CHECK(wait_until([&] { return read_all(path).find(second) != std::string::npos; }, 10s));
    CHECK(mode_of(path) == 0600);
    a.srv.shutdown();
    CHECK(file.save());
  }
  serving b;
  app::responses_file file(path, b.srv, 50ms);
  file.load();
  b.srv.start();
  CHECK(b.srv.responses_kept() == 2);
  CHECK(b.get(second) == kept);
  CHECK_FALSE(b.get(first).empty());
  b.ask("Which word?", second);
  const auto sent = b.gw.submitted();
  REQUIRE(sent.size() == 1);
  // The turns before the restart reach the page with the new one.
  REQUIRE(sent[0].messages.size() == 5);
  CHECK(sent[0].messages[0].content == "Remember heliotrope.");
  CHECK(sent[0].messages[1].content == "Answer 1.");
  CHECK(sent[0].messages[4].content == "Which word?");
}

TEST_CASE("responses file: one that is not a responses file is moved aside, none kept") {
  temp_dir dir("camoufleet-respfile-");
  const std::string path = dir.file("responses.json");
  {
    std::ofstream junk(path);
    junk << "{\"camoufleet_responses\": 1, \"turns\": [";
  }
  serving s;
  app::responses_file file(path, s.srv, 1h);
  file.load();
  CHECK_FALSE(fs::exists(path));
  std::string aside;
  for (const auto& e : fs::directory_iterator(dir.path())) aside = e.path().string();
  CHECK(aside.find(path + ".unreadable-") == 0);
  CHECK(read_all(aside) == "{\"camoufleet_responses\": 1, \"turns\": [");
  CHECK(s.srv.responses_kept() == 0);
  // Nothing changed: nothing written. A change: a whole file again.
  CHECK(file.save());
  CHECK_FALSE(fs::exists(path));
  s.srv.start();
  const auto id = s.ask("Hello");
  CHECK(file.save());
  const auto doc = json::parse(read_all(path));
  CHECK(doc["responses"][0]["id"] == id);
}
