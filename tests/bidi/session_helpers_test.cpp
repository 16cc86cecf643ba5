// The pure parts of the BiDi session: script results, cookies, partitions, base64.
#include <doctest/doctest.h>

#include "browser/bidi/session.hpp"
#include "browser/bidi/storage.hpp"

using namespace camoufleet::bidi;
using camoufleet::core::driver_error;
using nlohmann::json;

TEST_CASE("session helpers: script results, cookies, partitions, base64") {
  CHECK(script_result(json::parse(R"({"type":"success","result":{"type":"number","value":3}})")) == 3);
  try {
    script_result(json::parse(
        R"({"type":"exception","exceptionDetails":{"text":"SyntaxError: expected expression, got end of script"}})"));
    FAIL("no throw");
  } catch (const script_error& e) {
    CHECK(std::string(e.what()) == "script: SyntaxError: expected expression, got end of script");
  }

  camoufleet::browser::stored_cookie c;
  c.name = "SID";
  c.value = "v";
  c.domain = ".example.com";
  c.http_only = true;
  c.secure = true;
  c.same_site = "Lax";
  c.expires = 2000000000;
  json b = cookie_to_bidi(c);
  CHECK(b["value"] == json{{"type", "string"}, {"value", "v"}});
  CHECK(b["expiry"] == 2000000000);
  CHECK(b["sameSite"] == "lax");
  auto back = cookie_from_bidi(b);
  CHECK(back.name == "SID");
  CHECK(back.value == "v");
  CHECK(back.domain == ".example.com");
  CHECK(back.http_only);
  CHECK(back.same_site == "Lax");
  CHECK(back.expires == 2000000000);
  c.expires = -1;
  c.same_site.clear();
  CHECK_FALSE(cookie_to_bidi(c).contains("expiry"));
  CHECK_FALSE(cookie_to_bidi(c).contains("sameSite"));

  CHECK(partition_for("https://a.example") == json{{"type", "storageKey"}, {"sourceOrigin", "https://a.example"}});
  CHECK(partition_for("").is_null());
  // A user context (context isolation): its own jar, the site's partition in it.
  CHECK(partition_for("https://a.example", "uc-1") ==
        json{{"type", "storageKey"}, {"sourceOrigin", "https://a.example"}, {"userContext", "uc-1"}});
  CHECK(partition_for("", "uc-1") == json{{"type", "storageKey"}, {"userContext", "uc-1"}});

  CHECK(base64_decode("aGVsbG8=") == "hello");
  CHECK(base64_decode("aGk=") == "hi");
  CHECK(base64_decode("") == "");
  CHECK_THROWS_AS(base64_decode("aGV*bG8="), driver_error);
}

TEST_CASE("session helpers: the localStorage seed script holds each origin's items, ASCII-only") {
  std::vector<camoufleet::browser::origin_storage> origins = {
      {"https://aistudio.google.com", {{"aiStudioUserPreference", "{\"promptModel\":\"models/x\"}"}, {"k", "é\u2028"}}}};
  std::string js = local_storage_seed_script(origins);
  CHECK(js.find("seed[location.origin]") != std::string::npos);
  for (char ch : js) CHECK(static_cast<unsigned char>(ch) < 0x80);
  // The data is the JSON between "const seed = " and ";\n".
  auto start = js.find("const seed = ") + 13;
  auto end = js.find(";\n", start);
  json seed = json::parse(js.substr(start, end - start));
  CHECK(seed == json::parse(R"({"https://aistudio.google.com":[["aiStudioUserPreference","{\"promptModel\":\"models/x\"}"],["k","é\u2028"]]})"));
}
