#pragma once
// One firefox-esr (a scratch profile root, reaped when the test ends) and a
// WebDriver BiDi session to it, for the tests that drive a single browser.

#include <functional>
#include <memory>

#include "browser/bidi/launcher.hpp"
#include "browser/bidi/session.hpp"
#include "browser/io_thread.hpp"
#include "tests/bidi/firefox_test_util.hpp"
#include "tests/browser/scratch_dir.hpp"

namespace camoufleet::bidi::testing {

struct browser_fixture {
  browser::testing::scratch_dir root;
  std::unique_ptr<firefox_process> ff;
  pid_reaper reaper;
  browser::io_thread io;
  std::unique_ptr<session> s;

  explicit browser_fixture(const std::function<void(firefox_options&)>& adjust = {}) {
    firefox_options o;
    o.instance_id = "session_test";
    o.profile_root = root.path;
    o.start_timeout = firefox_start_timeout;
    if (adjust) adjust(o);
    ff = firefox_process::launch(o);
    reaper.pid = ff->process().pid();
    s = session::open(io, ff->ws_endpoint(), firefox_start_timeout);
  }
  ~browser_fixture() {
    s.reset();  // before the io thread stops
    io.stop();
  }
};

}  // namespace camoufleet::bidi::testing
