// The pure and file-system pieces of `camoufleet login`.

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/login.hpp"
#include "test_support.hpp"
#include "tests/app/test_files.hpp"

namespace {

using namespace camoufleet;
namespace fs = std::filesystem;

const std::vector<std::string> patterns{"accounts.google.com", "/ServiceLogin", "/v3/signin"};
const std::string site = "https://aistudio.google.com/prompts/new_chat";

using camoufleet::app::testing::mode_of;
using camoufleet::app::testing::read_all;

}  // namespace

TEST_CASE("url_origin and url_path split http(s) URLs") {
  CHECK(app::url_origin("https://AIStudio.google.com/prompts/new_chat?x=1#f") ==
        "https://aistudio.google.com");
  CHECK(app::url_path("https://aistudio.google.com/prompts/new_chat?x=1#f") == "/prompts/new_chat");
  CHECK(app::url_path("https://aistudio.google.com/prompts/new_chat/") == "/prompts/new_chat");
  CHECK(app::url_origin("http://127.0.0.1:4242") == "http://127.0.0.1:4242");
  CHECK(app::url_path("http://127.0.0.1:4242") == "/");
  CHECK(app::url_path("http://127.0.0.1:4242?continue=%2Fx") == "/");
  CHECK(app::url_origin("about:blank").empty());
  CHECK(app::url_origin("chrome://newtab/").empty());
  CHECK(app::url_path("file:///etc/passwd").empty());
  CHECK(app::url_origin("https://").empty());
}

TEST_CASE("is_signed_in: only the rendered chat page itself counts") {
  CHECK(app::is_signed_in({site, true}, site, patterns));
  CHECK(app::is_signed_in({site + "?hl=en", true}, site, patterns));
  // Not rendered yet.
  CHECK_FALSE(app::is_signed_in({site, false}, site, patterns));
  // The sign-in page, whose continue= names the chat page.
  CHECK_FALSE(app::is_signed_in(
      {"https://accounts.google.com/v3/signin/identifier?continue=https%3A%2F%2Faistudio.google.com%2Fprompts%2Fnew_chat",
       true},
      site, patterns));
  CHECK_FALSE(app::is_signed_in(
      {"http://127.0.0.1:5000/ServiceLogin?continue=%2Fprompts%2Fnew_chat", true},
      "http://127.0.0.1:5000/prompts/new_chat", patterns));
  // Another page of the same site, or the same path elsewhere.
  CHECK_FALSE(app::is_signed_in({"https://aistudio.google.com/", true}, site, patterns));
  CHECK_FALSE(app::is_signed_in({"https://evil.example/prompts/new_chat", true}, site, patterns));
  CHECK_FALSE(app::is_signed_in({"about:blank", true}, site, patterns));
  CHECK_FALSE(app::is_signed_in({"", true}, site, patterns));
  // A login pattern anywhere in the URL wins even on the chat path.
  CHECK_FALSE(app::is_signed_in({site + "?from=/ServiceLogin", true}, site, patterns));
}

TEST_CASE("make_private_dirs creates missing dirs 0700 and accepts existing ones") {
  testing::temp_dir tmp;
  const std::string deep = tmp.file("a/b/c");
  app::make_private_dirs(deep);
  CHECK(fs::is_directory(deep));
  CHECK(mode_of(tmp.file("a")) == 0700);
  CHECK(mode_of(deep) == 0700);
  app::make_private_dirs(deep + "/");  // again, trailing slash: fine
  // An existing, looser dir is the user's choice: left as it is.
  const std::string open_dir = tmp.file("open");
  REQUIRE(::mkdir(open_dir.c_str(), 0755) == 0);
  REQUIRE(::chmod(open_dir.c_str(), 0755) == 0);
  app::make_private_dirs(open_dir);
  CHECK(mode_of(open_dir) == 0755);
  // A file in the way is an error naming the path.
  { std::ofstream(tmp.file("file")) << "x"; }
  try {
    app::make_private_dirs(tmp.file("file/sub"));
    FAIL("expected an error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find(tmp.file("file")) != std::string::npos);
  }
}

TEST_CASE("write_file_atomic writes 0600, replaces whole files, leaves no temp file") {
  testing::temp_dir tmp;
  const std::string path = tmp.file("alice.json");
  app::write_file_atomic(path, "{\"cookies\":[]}", 0600);
  CHECK(read_all(path) == "{\"cookies\":[]}");
  CHECK(mode_of(path) == 0600);

  // Replacing a looser old file: the new one is 0600 again.
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  const std::string big(200000, 'x');
  app::write_file_atomic(path, big, 0600);
  CHECK(read_all(path) == big);
  CHECK(mode_of(path) == 0600);

  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    ++entries;
    CHECK(e.path().filename() == "alice.json");
  }
  CHECK(entries == 1);
}

TEST_CASE("write_file_atomic into a missing dir fails, names the path, keeps no secret") {
  testing::temp_dir tmp;
  const std::string path = tmp.file("missing/alice.json");
  try {
    app::write_file_atomic(path, "SECRET-COOKIE-VALUE", 0600);
    FAIL("expected an error");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CHECK(what.find(path) != std::string::npos);
    CHECK(what.find("SECRET") == std::string::npos);
  }
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("write_file_atomic failing at the rename leaves no temp file behind") {
  // A directory where the file should go: everything works up to rename().
  testing::temp_dir tmp;
  const std::string path = tmp.file("alice.json");
  REQUIRE(::mkdir(path.c_str(), 0700) == 0);
  { std::ofstream(path + "/keep") << "x"; }
  try {
    app::write_file_atomic(path, "new", 0600);
    FAIL("expected an error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find(path) != std::string::npos);
    CHECK(std::string(e.what()).find("rename") != std::string::npos);
  }
  CHECK(fs::is_directory(path));
  CHECK(read_all(path + "/keep") == "x");
  CHECK(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()) == 1);
}
