// Every curl example in docs/guide.md marked `<!-- tested -->` is run here
// exactly as written, against a real fleet of three on the simulator.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;

namespace {

struct tested_block {
  std::string command;
  std::string documented;  // the ```json block right after it ("" = none)
};

std::vector<tested_block> tested_blocks(const std::string& path) {
  std::ifstream in(path);
  std::vector<tested_block> blocks;
  std::string line;
  bool armed = false, inside = false, in_json = false, want_json = false;
  std::string cur;
  while (std::getline(in, line)) {
    if (inside || in_json) {
      if (line.rfind("```", 0) == 0) {
        if (inside) blocks.push_back({cur, ""});
        else blocks.back().documented = cur;
        want_json = inside;
        cur.clear();
        inside = in_json = armed = false;
      } else {
        cur += line + "\n";
      }
    } else if (line.find("<!-- tested -->") != std::string::npos) {
      armed = true;
      want_json = false;
    } else if (armed && line.rfind("```sh", 0) == 0) {
      inside = true;
    } else if (want_json && line.rfind("```json", 0) == 0) {
      in_json = true;
    } else if (want_json && !line.empty()) {
      want_json = false;  // prose came first: the example is not this command's output
    }
  }
  return blocks;
}

// The guide shortens long lists with a "..." line.
nlohmann::json documented_json(std::string text) {
  std::string kept;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line))
    if (line.find_first_not_of(' ') == std::string::npos ||
        line.substr(line.find_first_not_of(' ')) != "...")
      kept += line + "\n";
  // "},\n ]" after removing "...": drop the dangling comma.
  for (auto pos = kept.find(','); pos != std::string::npos; pos = kept.find(',', pos + 1)) {
    auto next = kept.find_first_not_of(" \n", pos + 1);
    if (next != std::string::npos && kept[next] == ']') kept.erase(pos, 1);
  }
  return nlohmann::json::parse(kept, nullptr, false);
}

// Same keys at every level and the same kinds of values (null matches
// anything: a field that is null in one run has a value in another).
void check_same_shape(const nlohmann::json& doc, const nlohmann::json& real,
                      const std::string& where) {
  CAPTURE(where);
  if (doc.is_null() || real.is_null()) return;
  if (doc.is_number() && real.is_number()) return;
  REQUIRE(doc.type_name() == std::string(real.type_name()));
  if (doc.is_object()) {
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      CHECK_MESSAGE(real.contains(it.key()), where << "." << it.key() << " is documented, not served");
      if (real.contains(it.key())) check_same_shape(it.value(), real[it.key()], where + "." + it.key());
    }
    for (auto it = real.begin(); it != real.end(); ++it)
      CHECK_MESSAGE(doc.contains(it.key()), where << "." << it.key() << " is served, not documented");
  } else if (doc.is_array() && !doc.empty() && !real.empty()) {
    check_same_shape(doc[0], real[0], where + "[0]");
  }
}

}  // namespace

TEST_CASE("e2e: the guide's curl examples run as written") {
  auto blocks = tested_blocks(source_dir() + "/docs/guide.md");
  REQUIRE(blocks.size() >= 5);
  fleet_fixture f;
  const std::string base = "http://127.0.0.1:" + std::to_string(f.port());
  int compared = 0;
  for (const auto& block : blocks) {
    const auto& b = block.command;
    CAPTURE(b);
    testing::child_process sh({"/bin/bash", "-euo", "pipefail", "-c", b}, {{"BASE", base}});
    auto st = sh.wait_exit(60s);
    REQUIRE(st.has_value());
    CHECK(WIFEXITED(*st));
    CHECK(WEXITSTATUS(*st) == 0);
    // wait_exit returns once the shell is reaped; its last lines may still
    // be on the way through the reader threads (seen: an empty /v1/queue,
    // a stream without its last line, data: [DONE]).
    CHECK(sh.wait_output_closed(5s));
    std::string out;
    for (const auto& l : sh.stdout_lines()) out += l + "\n";
    CAPTURE(out);
    CHECK_FALSE(out.empty());
    if (b.find("\"stream\":true") != std::string::npos &&
        b.find("/v1/responses") != std::string::npos) {
      // The Responses API sends no [DONE]: its last event ends it. Read on
      // after a number, the stream begins past response.created.
      CHECK(out.find("event: response.completed") != std::string::npos);
      if (b.find("starting_after=") != std::string::npos)
        CHECK(out.find("event: response.created") == std::string::npos);
    } else if (b.find("\"stream\":true") != std::string::npos) {
      CHECK(out.find("data: [DONE]") != std::string::npos);
    } else if (b.find("/metrics") != std::string::npos) {
      CHECK(out.find("# TYPE camoufleet_instance_state gauge") != std::string::npos);
    } else {
      auto j = nlohmann::json::parse(out, nullptr, false);
      CHECK_FALSE(j.is_discarded());
      if (!block.documented.empty() && !j.is_discarded()) {
        auto doc = documented_json(block.documented);
        REQUIRE_MESSAGE(!doc.is_discarded(), "the guide's example is JSON: " << block.documented);
        check_same_shape(doc, j, "$");
        ++compared;
      }
    }
  }
  // /health, /health/ready, /v1/instances, a completion at least.
  CHECK(compared >= 4);
}
