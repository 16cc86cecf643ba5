#include "browser/storage_state.hpp"
#include "browser/cdp/cookies.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/chat.hpp"

using namespace camoufleet::browser;
using namespace camoufleet::browser::cdp;

namespace {

const char* secret = "SECRET-COOKIE-VALUE-1234";

std::string good_profile() {
  return std::string(R"({"cookies":[
    {"name":"SID","value":")") +
         secret + R"(","domain":".google.com","path":"/",
     "expires":4102444800,"httpOnly":true,"secure":true,"sameSite":"None"},
    {"name":"PREF","value":"x","domain":"aistudio.google.com","path":"/","expires":-1,
     "httpOnly":false,"secure":false,"sameSite":"Lax"}],
   "origins":[{"origin":"https://aistudio.google.com","localStorage":[
     {"name":"aiStudioUserPreference","value":"{\"promptModel\":\"models/gemini-2.5-pro\"}"}]}]})";
}

// A scratch file removed on scope exit, even when a check fails.
struct scratch_file {
  std::string path;
  explicit scratch_file(const std::string& content, mode_t mode) {
    char tmpl[] = "/tmp/camoufleet-ss-XXXXXX";
    int fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    path = tmpl;
    REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    ::close(fd);
    ::chmod(path.c_str(), mode);
  }
  ~scratch_file() { ::unlink(path.c_str()); }
};

std::string error_of(const std::string& text) {
  try {
    parse_storage_state(text, "/profiles/alice.json");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::invalid_profile);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("storage_state: a Playwright file parses") {
  auto st = parse_storage_state(good_profile(), "alice.json");
  REQUIRE(st.cookies.size() == 2);
  CHECK(st.cookies[0].name == "SID");
  CHECK(st.cookies[0].value == secret);
  CHECK(st.cookies[0].domain == ".google.com");
  CHECK(st.cookies[0].expires == doctest::Approx(4102444800.0));
  CHECK(st.cookies[0].http_only);
  CHECK(st.cookies[0].secure);
  CHECK(st.cookies[0].same_site == "None");
  CHECK(st.cookies[1].expires == -1);
  REQUIRE(st.origins.size() == 1);
  CHECK(st.origins[0].origin == "https://aistudio.google.com");
  REQUIRE(st.origins[0].local_storage.size() == 1);
  CHECK(st.origins[0].local_storage[0].first == "aiStudioUserPreference");
}

TEST_CASE("storage_state: CDP cookie params map expires and sameSite") {
  auto st = parse_storage_state(good_profile(), "alice.json");
  auto j = to_cdp_cookies(st.cookies);
  REQUIRE(j.size() == 2);
  CHECK(j[0]["name"] == "SID");
  CHECK(j[0]["sameSite"] == "None");
  CHECK(j[0]["expires"].get<double>() == doctest::Approx(4102444800.0));
  CHECK(j[0]["httpOnly"] == true);
  // A session cookie carries no expires at all (CDP would take -1 as the epoch).
  CHECK_FALSE(j[1].contains("expires"));
  CHECK(j[1]["sameSite"] == "Lax");
}

TEST_CASE("storage_state: round trip through CDP cookies and back to JSON") {
  nlohmann::json from_browser = nlohmann::json::array({{{"name", "SID"},
                                                        {"value", secret},
                                                        {"domain", "127.0.0.1"},
                                                        {"path", "/"},
                                                        {"expires", 4102444800.0},
                                                        {"size", 10},
                                                        {"httpOnly", true},
                                                        {"secure", false},
                                                        {"session", false},
                                                        {"sameSite", "Lax"}},
                                                       {{"name", "tmp"},
                                                        {"value", "v"},
                                                        {"domain", "127.0.0.1"},
                                                        {"path", "/"},
                                                        {"expires", -1},
                                                        {"size", 4},
                                                        {"httpOnly", false},
                                                        {"secure", false},
                                                        {"session", true}}});
  storage_state st;
  st.cookies = from_cdp_cookies(from_browser);
  st.origins.push_back({"http://127.0.0.1:1", {{"k", "v"}}});
  auto text = to_storage_state_json(st);
  auto again = parse_storage_state(text, "refreshed");
  REQUIRE(again.cookies.size() == 2);
  CHECK(again.cookies[0].value == secret);
  CHECK(again.cookies[0].same_site == "Lax");
  CHECK(again.cookies[1].expires == -1);
  CHECK(again.cookies[1].same_site == "Lax");  // unset becomes Playwright's default
  REQUIRE(again.origins.size() == 1);
  CHECK(again.origins[0].local_storage[0].second == "v");
}

TEST_CASE("storage_state: every error names the file and never holds a cookie value") {
  std::string s = secret;
  const std::vector<std::string> bad = {
      "",
      "   \n",
      "[]",
      "{\"cookies\": {\"" + s + "\": 1}}",
      "{\"origins\": []}",
      "{\"cookies\": []}",
      "{\"cookies\": [\"" + s + "\"]}",
      "{\"cookies\": [{\"name\":\"SID\",\"value\":[\"" + s + "\"],\"domain\":\"d\"}]}",
      "{\"cookies\": [{\"name\":\"SID\",\"value\":\"" + s + "\"}]}",
      "{\"cookies\": [{\"name\":\"SID\",\"value\":\"" + s + "\",\"domain\":\"d\",\"expires\":\"" +
          s + "\"}]}",
      "{\"cookies\": [{\"name\":\"SID\",\"value\":\"" + s + "\",\"domain\":\"d\",\"sameSite\":\"" +
          s + "\"}]}",
      "{\"cookies\": [{\"name\":\"SID\",\"value\":\"" + s +
          "\",\"domain\":\"d\",\"secure\":\"yes\"}]}",
      "{\"cookies\": [{\"name\":\"SID\",\"value\":\"" + s +
          "\",\"domain\":\"d\"}], \"origins\": 3}",
      "{\"cookies\": [{\"name\":\"SID\",\"value\":\"" + s +
          "\",\"domain\":\"d\"}], \"origins\": "
          "[{\"origin\":\"o\",\"localStorage\":[{\"name\":\"n\"}]}]}",
      // Truncated and invalid JSON right after a value: the JSON parser's own
      // message would quote it.
      "{\"cookies\": [{\"name\":\"SID\",\"value\":\"" + s + "\",",
      "{\"cookies\": [{\"name\":\"SID\",\"value\":\"" + s + "\" \"x\"}]}",
      "{\"cookies\": [{\"name\":\"SID\",\"value\":" + s + "}]}",
  };
  for (const auto& b : bad) {
    CAPTURE(b);
    auto m = error_of(b);
    CHECK_FALSE(m.empty());
    CHECK(m.find("/profiles/alice.json") != std::string::npos);
    CHECK(m.find(secret) == std::string::npos);
    CHECK(m.find("SECRET") == std::string::npos);
  }
}

TEST_CASE("storage_state: load_storage_state reads the file and flags loose permissions") {
  {
    scratch_file f(good_profile(), 0600);
    auto l = load_storage_state(f.path);
    CHECK_FALSE(l.too_open);
    CHECK(l.state.cookies.size() == 2);
  }
  {
    scratch_file f(good_profile(), 0644);
    CHECK(load_storage_state(f.path).too_open);
  }
  try {
    load_storage_state("/nonexistent/dir/bob.json");
    FAIL("no error");
  } catch (const driver_error& e) {
    CHECK(e.kind() == failure_kind::invalid_profile);
    CHECK(std::string(e.what()).find("/nonexistent/dir/bob.json") != std::string::npos);
  }
}
