// The pure parts of the profile lifecycle: atomic writes, the refresh
// decision, the needs_login wording, our-own-write tracking, dir diffs.

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "actors/auth_watch.hpp"
#include "actors/instance_state.hpp"
#include "actors/profile_file.hpp"

using namespace camoufleet;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    static int n = 0;
    path = fs::temp_directory_path() /
           ("camoufleet-prof-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

unsigned mode_of(const std::string& p) {
  struct stat sb {};
  REQUIRE(::stat(p.c_str(), &sb) == 0);
  return sb.st_mode & 0777;
}

const char* good_state =
    R"({"cookies":[{"name":"SID","value":"secret-1","domain":".google.com","path":"/"}],"origins":[]})";

}  // namespace

TEST_CASE("write_file_atomic: replaces the file with mode 0600 and leaves no temp file") {
  temp_dir d;
  auto p = d.file("alice.json");
  { std::ofstream(p) << "old"; }
  ::chmod(p.c_str(), 0644);
  struct stat before {};
  ::stat(p.c_str(), &before);
  CHECK(write_file_atomic(p, "new content") == "");
  CHECK(read_whole_file(p).value() == "new content");
  CHECK(mode_of(p) == 0600);
  struct stat after {};
  ::stat(p.c_str(), &after);
  CHECK(after.st_ino != before.st_ino);  // renamed over, not rewritten in place
  int entries = 0;
  for (auto& e : fs::directory_iterator(d.path)) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);
}

TEST_CASE("write_file_atomic: a missing dir fails with a reason, not an exception") {
  temp_dir d;
  auto err = write_file_atomic(d.file("missing/alice.json"), "x");
  CHECK_FALSE(err.empty());
  CHECK(err.find("temp file") != std::string::npos);
}

TEST_CASE("decide_refresh: writes only a parsable state with cookies that differs") {
  auto gone = decide_refresh(good_state, std::nullopt);
  CHECK_FALSE(gone.write);
  CHECK(gone.why.find("gone") != std::string::npos);

  auto not_json = decide_refresh("{nope", std::string("old"));
  CHECK_FALSE(not_json.write);
  CHECK(not_json.why.find("not valid JSON") != std::string::npos);

  auto no_cookies = decide_refresh(
      R"({"cookies":[],"origins":[{"origin":"https://x","localStorage":[{"name":"a","value":"b"}]}]})",
      std::string("old"));
  CHECK_FALSE(no_cookies.write);
  CHECK(no_cookies.why.find("no cookies") != std::string::npos);

  auto wrong_shape = decide_refresh(R"({"cookies":{}})", std::string("old"));
  CHECK_FALSE(wrong_shape.write);

  auto yes = decide_refresh(good_state, std::string("old"));
  REQUIRE(yes.write);
  CHECK(yes.content.find("\"SID\"") != std::string::npos);
  // Never a cookie value in the reason of a refusal.
  CHECK(not_json.why.find("secret") == std::string::npos);

  auto same = decide_refresh(good_state, yes.content);
  CHECK_FALSE(same.write);
  CHECK(same.why == "unchanged");
}

TEST_CASE("needs_login_reason: names the file and the command that fixes it") {
  CHECK(needs_login_reason("/x/auth_profiles/active/alice.json") ==
        "login lost for alice.json: run camoufleet login --save-as alice --activate");
  CHECK(profile_name("/a/b/bob.json") == "bob");
  CHECK(needs_login_reason("").find("camoufleet login") != std::string::npos);
}

TEST_CASE("profile_writes: loaded versions are known, only written ones are ours") {
  profile_writes w;
  CHECK_FALSE(w.is_known("/a.json", "x"));
  w.record_loaded("/a.json", "x");
  CHECK(w.is_known("/a.json", "x"));
  CHECK_FALSE(w.is_ours("/a.json", "x"));  // a user rewriting it the same still counts
  w.record_written("/a.json", "y");
  CHECK(w.is_ours("/a.json", "y"));
  CHECK(w.is_known("/a.json", "y"));
  CHECK_FALSE(w.is_known("/a.json", "x"));
  CHECK_FALSE(w.is_ours("/b.json", "y"));
  w.record_loaded("/a.json", "z");
  CHECK_FALSE(w.is_ours("/a.json", "y"));
  w.forget("/a.json");
  CHECK_FALSE(w.is_known("/a.json", "z"));
}

TEST_CASE("diff_snapshots: added, removed and changed files") {
  dir_snapshot before{{"/d/a.json", {1, 10, 100}}, {"/d/b.json", {1, 10, 101}},
                      {"/d/c.json", {1, 10, 102}}};
  dir_snapshot after{{"/d/a.json", {1, 10, 100}},   // same
                     {"/d/b.json", {2, 10, 101}},   // mtime
                     {"/d/c.json", {1, 10, 200}},   // replaced by rename
                     {"/d/e.json", {1, 5, 300}}};   // new
  before["/d/gone.json"] = {1, 1, 1};
  auto d = diff_snapshots(before, after);
  CHECK(d.added == std::vector<std::string>{"/d/e.json"});
  CHECK(d.removed == std::vector<std::string>{"/d/gone.json"});
  CHECK(d.changed == std::vector<std::string>{"/d/b.json", "/d/c.json"});
  CHECK(diff_snapshots(after, after).empty());
  dir_snapshot size_only{{"/d/a.json", {1, 11, 100}}};
  CHECK(diff_snapshots({{"/d/a.json", {1, 10, 100}}}, size_only).changed.size() == 1);
}

TEST_CASE("scan_auth_dir: json files only, missing dir is nullopt, rewrite changes the stamp") {
  temp_dir d;
  CHECK_FALSE(scan_auth_dir(d.file("missing")).has_value());
  { std::ofstream(d.file("a.json")) << "{}"; }
  { std::ofstream(d.file("notes.txt")) << "x"; }
  { std::ofstream(d.file(".a.json.tmp-123")) << "x"; }
  fs::create_directories(d.path / "dir.json");
  auto s1 = scan_auth_dir(d.path.string());
  REQUIRE(s1.has_value());
  REQUIRE(s1->size() == 1);
  CHECK(s1->count(d.file("a.json")) == 1);
  REQUIRE(write_file_atomic(d.file("a.json"), "{\"x\":1}") == "");
  auto s2 = scan_auth_dir(d.path.string());
  REQUIRE(s2.has_value());
  CHECK(diff_snapshots(*s1, *s2).changed.size() == 1);
}

TEST_CASE("instance_state: a broken profile is an error that only a new profile ends") {
  using k = instance_event_kind;
  instance_state s;
  REQUIRE(s.apply({k::start_failed, core::failure_kind::invalid_profile, "auth profile x: bad"}, 0));
  CHECK(s.status() == instance_status::error);
  CHECK(s.waiting_for_profile());
  CHECK(s.reason() == "auth profile x: bad");
  CHECK_FALSE(s.apply({k::restart, {}, {}}, 100000000));
  CHECK(s.apply({k::new_profile, {}, {}}, 10));
  CHECK(s.status() == instance_status::starting);
  CHECK_FALSE(s.waiting_for_profile());
}

TEST_CASE("instance_state: a changed profile restarts a ready instance but never a busy one") {
  using k = instance_event_kind;
  instance_state s;
  REQUIRE(s.apply({k::started, {}, {}}, 0));
  REQUIRE(s.apply({k::assigned, {}, {}}, 0));
  CHECK_FALSE(s.apply({k::new_profile, {}, {}}, 0));
  REQUIRE(s.apply({k::finished, {}, {}}, 0));
  CHECK(s.apply({k::new_profile, {}, {}}, 0));
  CHECK(s.status() == instance_status::starting);
  REQUIRE(s.apply({k::stop, {}, {}}, 0));
  CHECK_FALSE(s.apply({k::new_profile, {}, {}}, 0));
}
