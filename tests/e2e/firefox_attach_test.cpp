// Single-instance attach mode over WebDriver BiDi: a firefox-esr started by
// the test (as a user would, `firefox-esr -headless -no-remote -profile DIR
// --remote-debugging-port 0`), signed in by the test through its own BiDi
// session, which it then ends (Firefox allows one session at a time); then
// camoufleet --ws-endpoint ws://127.0.0.1:P serves from it and leaves it
// running when it stops.
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include "browser/bidi/launcher.hpp"
#include "browser/bidi/session.hpp"
#include "browser/bidi/storage.hpp"
#include "browser/io_thread.hpp"
#include "browser/storage_state.hpp"
#include "tests/e2e/fleet_fixture.hpp"

using namespace camoufleet;
using namespace camoufleet::e2e;
using nlohmann::json;

TEST_CASE("e2e attach: camoufleet attaches to a running Firefox over BiDi and leaves it running" *
          doctest::skip(::access("/usr/bin/firefox-esr", X_OK) != 0)) {
  testing::temp_dir dir("camoufleet-attach-");
  bidi::firefox_options fo;
  fo.instance_id = "attach_test";
  fo.browser_path = "/usr/bin/firefox-esr";
  fo.profile_root = dir.path();
  fo.start_timeout = 90s;
  auto firefox = bidi::firefox_process::launch(fo);  // stopped and removed when the test ends
  const std::string endpoint = firefox->ws_endpoint();  // ws://127.0.0.1:P, no path

  fleet_config cfg = with_accounts(1);
  cfg.multi = false;
  cfg.server_args = {"--ws-endpoint", endpoint};  // no kind: the endpoint's shape says BiDi
  // Before the server starts: the sign-in a user would have done by hand
  // (alice's cookies), through a session of the test's own, then ended.
  cfg.before_start = [&endpoint](const std::string& auth_dir) {
    browser::io_thread io;
    auto s = bidi::session::open(io, endpoint, 90s);
    auto state = browser::load_storage_state(auth_dir + "/alice.json").state;
    for (const auto& c : state.cookies) s->set_cookie(c, "", 10s);
    s->command("session.end", json::object(), 10s);
  };

  {
    fleet_fixture f(cfg);
    auto inst = f.instances()["instances"];
    REQUIRE(inst.size() == 1);
    CHECK(inst[0]["ws_endpoint"] == endpoint);
    CHECK(inst[0]["browser_pid"].is_null());  // not ours
    auto r = f.post("/v1/chat/completions", chat_body("attached to firefox"));
    REQUIRE(r.status == 200);
    CHECK(r.json()["choices"][0]["message"]["content"] == expected_answer("attached to firefox"));
    auto st = f.stop(SIGTERM, 60s);
    REQUIRE(st);
  }

  // camoufleet ended its session and left the browser alone: it is still
  // running, and a new client can start a session on it.
  CHECK(firefox->process().running());
  browser::io_thread io;
  auto again = bidi::session::open(io, endpoint, 30s);
  CHECK_FALSE(again->id().empty());
  again->close_browser(5s);
  CHECK(firefox->process().wait_for_exit(10s));
}
