#include <doctest/doctest.h>

#include "sim/accounts.hpp"
#include "sim/url.hpp"

using namespace camoufleet::sim;

TEST_CASE("sim url: decode, encode, forms and targets") {
  CHECK(url_decode("a%20b+c%2Fd%zz") == "a b c/d%zz");
  CHECK(url_encode("/prompts/new_chat?x=1") == "%2Fprompts%2Fnew_chat%3Fx%3D1");
  CHECK(url_decode(url_encode("é & ?")) == "é & ?");
  auto f = parse_form("identifier=alice%40example.com&password=alice-password&continue=%2Fp&flag");
  CHECK(f["identifier"] == "alice@example.com");
  CHECK(f["password"] == "alice-password");
  CHECK(f["continue"] == "/p");
  CHECK(f.count("flag") == 1);
  std::string path, query;
  split_target("/ServiceLogin?continue=%2F", path, query);
  CHECK(path == "/ServiceLogin");
  CHECK(query == "continue=%2F");
  split_target("/x", path, query);
  CHECK(query.empty());
  CHECK(html_escape("<a href=\"x\">'&") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
}

TEST_CASE("sim url: sign-in only continues to this server") {
  CHECK(safe_continue("") == "/prompts/new_chat");
  CHECK(safe_continue("/prompts/new_chat?x=1") == "/prompts/new_chat?x=1");
  CHECK(safe_continue("http://127.0.0.1:1234/prompts/abc") == "/prompts/abc");
  CHECK(safe_continue("https://evil.example/") == "/prompts/new_chat");
  CHECK(safe_continue("//evil.example/") == "/prompts/new_chat");
}

TEST_CASE("sim accounts: deterministic cookies, cookie header parsing, storage state") {
  auto a = make_account("alice");
  auto b = make_account("alice");
  CHECK(a.cookies == b.cookies);
  REQUIRE(a.cookies.size() == cookie_names().size());
  CHECK(a.cookies[0].first == "SID");
  CHECK(a.sid() != make_account("bob").sid());
  CHECK(a.email == "alice@example.com");
  auto header = cookie_header(a);
  CHECK(find_cookie(header, "SID") == a.sid());
  CHECK(find_cookie(header, "__Secure-1PSID") == a.cookies.back().second);
  CHECK(find_cookie("other=1; SID = \"v\" ;x=2", "SID") == "v");
  CHECK(find_cookie("XSID=1", "SID").empty());
  CHECK(account_names(2) == std::vector<std::string>{"alice", "bob", "carol", "user1", "user2"});

  auto st = storage_state(a, 0);
  CHECK(st["origins"].empty());
  REQUIRE(st["cookies"].size() == 6);
  for (const auto& c : st["cookies"]) {
    CHECK(c["domain"] == "127.0.0.1");
    CHECK(c["path"] == "/");
    CHECK(c["httpOnly"] == true);
    CHECK(c["secure"] == (c["name"] == "__Secure-1PSID"));
    CHECK(c["sameSite"] == "Lax");
    CHECK(c["expires"].get<long long>() > 4000000000LL);
  }
  auto with_origin = storage_state(a, 4242, "gemini-2.0-flash");
  REQUIRE(with_origin["origins"].size() == 1);
  CHECK(with_origin["origins"][0]["origin"] == "http://127.0.0.1:4242");
  const auto& ls = with_origin["origins"][0]["localStorage"][0];
  CHECK(ls["name"] == "aiStudioUserPreference");
  CHECK(nlohmann::json::parse(ls["value"].get<std::string>())["promptModel"] ==
        "models/gemini-2.0-flash");
}
