#include <doctest/doctest.h>

#include "config/dotenv.hpp"
#include "temp_dir.hpp"

using namespace camoufleet::config;

TEST_CASE("dotenv: plain lines, comments and blanks") {
  auto r = parse_dotenv("# comment\n\nPORT=3000\n  HOST = 0.0.0.0  \n");
  CHECK(r.error == "");
  CHECK(r.values.size() == 2);
  CHECK(r.values["PORT"] == "3000");
  CHECK(r.values["HOST"] == "0.0.0.0");
}

TEST_CASE("dotenv: quotes, export and inline comments") {
  auto r = parse_dotenv(
      "export A=1\n"
      "B='single # not a comment'\n"
      "C=\"double \\\"quoted\\\"\\nline\"  # trailing comment\n"
      "D=value # comment\n"
      "E=http://host/page#fragment\n"
      "F=\n"
      "G=\"\"\n");
  CHECK(r.error == "");
  CHECK(r.values["A"] == "1");
  CHECK(r.values["B"] == "single # not a comment");
  CHECK(r.values["C"] == "double \"quoted\"\nline");
  CHECK(r.values["D"] == "value");
  CHECK(r.values["E"] == "http://host/page#fragment");
  CHECK(r.values["F"] == "");
  CHECK(r.values["G"] == "");
}

TEST_CASE("dotenv: CRLF line ends and a missing final newline") {
  auto r = parse_dotenv("A=1\r\nB=2");
  CHECK(r.error == "");
  CHECK(r.values["A"] == "1");
  CHECK(r.values["B"] == "2");
}

TEST_CASE("dotenv: the later of two lines wins") {
  auto r = parse_dotenv("A=1\nA=2\n");
  CHECK(r.values["A"] == "2");
}

TEST_CASE("dotenv: errors name the line") {
  CHECK(parse_dotenv("A=1\nnonsense\n").error == "line 2: expected KEY=VALUE");
  CHECK(parse_dotenv("1A=x\n").error == "line 1: \"1A\" is not a valid name");
  CHECK(parse_dotenv("MY-KEY=x\n").error == "line 1: \"MY-KEY\" is not a valid name");
  CHECK(parse_dotenv("A=\"open\n").error == "line 1: missing closing double quote");
  CHECK(parse_dotenv("A='open\n").error == "line 1: missing closing single quote");
  CHECK(parse_dotenv("A=\"x\" y\n").error == "line 1: unexpected text after the closing quote");
  // A bad file gives no values at all: half a config is worse than none.
  CHECK(parse_dotenv("A=1\nbad\n").values.empty());
}

TEST_CASE("dotenv: a missing file is empty, not an error") {
  camoufleet::config::test::temp_dir dir;
  auto r = load_dotenv((dir.path() / "absent.env").string());
  CHECK(r.error == "");
  CHECK(r.values.empty());
  CHECK(load_dotenv("").values.empty());
}

TEST_CASE("dotenv: a file on disk") {
  camoufleet::config::test::temp_dir dir;
  auto path = dir.write(".env", "PORT=4000\n");
  auto r = load_dotenv(path);
  CHECK(r.error == "");
  CHECK(r.values["PORT"] == "4000");
}
