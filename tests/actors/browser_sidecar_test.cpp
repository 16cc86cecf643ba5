// NAME.browser.json: a profile naming its own browser kind, so one fleet
// mixes Chromium and Firefox. Parsing, applying, and that the dir scans do
// not take the sidecar for a profile.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "actors/auth_watch.hpp"
#include "actors/browser_sidecar.hpp"
#include "actors/fleet.hpp"
#include "tests/browser/scratch_dir.hpp"

using namespace camoufleet;
using browser::browser_kind;
namespace fs = std::filesystem;

TEST_CASE("browser sidecar: names, kinds, default executables and mistakes") {
  CHECK(browser_sidecar_path("/a/alice.json") == "/a/alice.browser.json");
  CHECK(is_profile_file("/a/alice.json"));
  CHECK_FALSE(is_profile_file("/a/alice.browser.json"));
  CHECK_FALSE(is_profile_file("/a/alice.txt"));

  auto ff = parse_browser_sidecar(R"({"kind":"firefox"})");
  CHECK(ff.kind == browser_kind::firefox);
  CHECK(ff.path == "firefox-esr");
  auto cf = parse_browser_sidecar(R"({"kind":"camoufox","browser":"/opt/camoufox/camoufox"})");
  CHECK(cf.kind == browser_kind::camoufox);
  CHECK(cf.path == "/opt/camoufox/camoufox");
  CHECK(parse_browser_sidecar(R"({"kind":"chromium"})").path == "chromium");
  CHECK_THROWS_WITH_AS(parse_browser_sidecar("[1]"), "not a JSON object", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_browser_sidecar("{}"), "\"kind\" is missing", std::invalid_argument);
  CHECK_THROWS_AS(parse_browser_sidecar(R"({"kind":"opera"})"), std::invalid_argument);
  CHECK_THROWS_AS(parse_browser_sidecar(R"({"kind":"firefox","browser":3})"), std::invalid_argument);
}

TEST_CASE("browser sidecar: applied beside its profile, the dir scans skip it") {
  browser::testing::scratch_dir scratch;
  const fs::path dir = scratch.path;
  std::ofstream(dir / "alice.json") << "{}";
  std::ofstream(dir / "bob.json") << "{}";
  std::ofstream(dir / "bob.browser.json") << R"({"kind":"firefox","browser":"/usr/bin/firefox-esr"})";
  std::ofstream(dir / "carol.json") << "{}";
  std::ofstream(dir / "carol.browser.json") << "{not json";

  browser::session_options o;
  o.browser_path = "/usr/bin/chromium";
  CHECK_FALSE(apply_browser_sidecar((dir / "alice.json").string(), o));
  CHECK(o.kind == browser_kind::chromium);
  CHECK(o.browser_path == "/usr/bin/chromium");
  CHECK(apply_browser_sidecar((dir / "bob.json").string(), o));
  CHECK(o.kind == browser_kind::firefox);
  CHECK(o.browser_path == "/usr/bin/firefox-esr");
  try {
    apply_browser_sidecar((dir / "carol.json").string(), o);
    FAIL("no throw");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("carol.browser.json: not a JSON object") != std::string::npos);
  }

  auto files = discover_auth_files(dir.string());
  REQUIRE(files.size() == 3);
  for (const auto& f : files) CHECK(is_profile_file(f));
  auto snap = scan_auth_dir(dir.string());
  REQUIRE(snap);
  CHECK(snap->size() == 3);
}

TEST_CASE("fingerprint sidecar: NAME.camoufox.json goes to a camoufox instance only, scans skip it") {
  CHECK(fingerprint_sidecar_path("/a/alice.json") == "/a/alice.camoufox.json");
  CHECK_FALSE(is_profile_file("/a/alice.camoufox.json"));

  browser::testing::scratch_dir scratch;
  const fs::path dir = scratch.path;
  std::ofstream(dir / "alice.json") << "{}";
  std::ofstream(dir / "alice.camoufox.json") << R"({"navigator.platform":"Win32"})";
  std::ofstream(dir / "bob.json") << "{}";

  browser::session_options o;
  o.kind = browser_kind::firefox;  // a fingerprint means nothing to plain Firefox
  CHECK_FALSE(apply_fingerprint_sidecar((dir / "alice.json").string(), o));
  CHECK(o.fingerprint_file.empty());
  o.kind = browser_kind::camoufox;
  CHECK(apply_fingerprint_sidecar((dir / "alice.json").string(), o));
  CHECK(o.fingerprint_file == (dir / "alice.camoufox.json").string());
  browser::session_options b;
  b.kind = browser_kind::camoufox;
  CHECK_FALSE(apply_fingerprint_sidecar((dir / "bob.json").string(), b));
  CHECK(b.fingerprint_file.empty());

  auto files = discover_auth_files(dir.string());
  CHECK(files.size() == 2);
  auto snap = scan_auth_dir(dir.string());
  REQUIRE(snap);
  CHECK(snap->size() == 2);
}
