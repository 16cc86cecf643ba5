// Private temp files for a request's images (site/attachment_files.*).
#include "site/attachment_files.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace camoufleet;
using namespace camoufleet::site;

namespace {

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("attachment_files: one 0600 file per image in a 0700 dir, removed afterwards") {
  core::chat_message m1{"user", "a"};
  m1.attachments = {{"image/png", std::string("\x89PNG\r\n\x1a\nxx", 10), ""}};
  core::chat_message m2{"user", "b"};
  m2.attachments = {{"image/gif", "GIF89a...", ""}, {"image/jpeg", "\xFF\xD8\xFF", ""}};
  std::string dir;
  {
    attachment_files files({m1, {"assistant", "x"}, m2});
    REQUIRE(files.paths().size() == 3);
    dir = files.dir();
    CHECK(mode_of(dir) == 0700);
    CHECK(files.paths()[0].substr(files.paths()[0].size() - 4) == ".png");
    CHECK(files.paths()[1].substr(files.paths()[1].size() - 4) == ".gif");
    CHECK(files.paths()[2].substr(files.paths()[2].size() - 4) == ".jpg");
    for (const auto& p : files.paths()) CHECK(mode_of(p) == 0600);
    std::ifstream in(files.paths()[1], std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str() == "GIF89a...");
  }
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("attachment_files: nothing is written without images") {
  const std::vector<core::chat_message> messages = {{"user", "hi"}};
  attachment_files files(messages);
  CHECK(files.empty());
  CHECK(files.dir().empty());
}

TEST_CASE("attachment_files: a client's file name is kept, with the extension the browser needs") {
  core::chat_message m{"user", "read these"};
  m.attachments = {{"application/pdf", "%PDF-1.4 x", "report.pdf"},
                   {"application/pdf", "%PDF-1.4 y", "report.pdf"},  // the same name again
                   {"text/markdown", "# notes", "notes"},
                   {"audio/mpeg", "ID3...", ""}};
  attachment_files files({m});
  REQUIRE(files.paths().size() == 4);
  const auto& p = files.paths();
  CHECK(p[0] == files.dir() + "/1/report.pdf");
  CHECK(p[1] == files.dir() + "/2/report.pdf");
  CHECK(p[2] == files.dir() + "/3/notes.md");
  CHECK(p[3] == files.dir() + "/file-4.mp3");
  CHECK(mode_of(files.dir() + "/1") == 0700);
  for (const auto& path : p) CHECK(mode_of(path) == 0600);
  CHECK(upload_name({"image/png", "x", "Photo.PNG"}, 1) == "Photo.PNG");
  CHECK(upload_name({"text/csv", "a,b", "data.txt"}, 1) == "data.txt.csv");
  CHECK(upload_name({"image/gif", "GIF89a", ""}, 7) == "image-7.gif");
}
