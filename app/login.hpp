#pragma once
// `camoufleet login --save-as NAME`: sign in by hand, save the session.
//
// run_login() launches a browser of --browser-kind with no profile loaded on
// the site, prints
//   DevTools: ws://127.0.0.1:PORT/devtools/browser/...   (Chromium; Firefox
//   and Camoufox: "WebDriver BiDi: ws://127.0.0.1:PORT")
//   Browser pid: N
//   Sign in in the browser window; waiting up to N s for the chat page...
// on stdout, waits until the tab shows the chat page (site_url's path, not a
// sign-in URL, a ready selector present), then writes the browser's cookies
// and the site origin's localStorage as a Playwright storageState file to
// <saved_dir>/NAME.json (0600, atomic replace) and, with --activate, the same
// to <auth_dir>/NAME.json. The browser is always closed and its profile dir
// removed. Cookie values are never printed.

#include <sys/types.h>

#include <string>
#include <vector>

#include "config/settings.hpp"

namespace camoufleet::app {

// Returns the process exit code: 0 saved, 1 failed (timeout, browser gone,
// write error), 130 interrupted (SIGINT/SIGTERM). Never throws.
int run_login(const config::settings& s, const std::string& x_display);

// ---- pieces of run_login, public for their unit tests -------------------

// "http://host:port" of an http(s) URL, without path; "" when not http(s).
std::string url_origin(const std::string& url);
// The path of an http(s) URL without query or fragment ("/" when empty) and
// without a trailing '/'; "" when not http(s).
std::string url_path(const std::string& url);

// What the tab showed at one look.
struct page_look {
  std::string url;
  bool ready = false;  // one of the site's ready selectors matched
};

// The user is signed in when the tab is on the chat page itself: same origin
// and path as site_url (the query may differ), not a sign-in URL by the
// site's patterns, and the page has rendered its editor.
bool is_signed_in(const page_look& look, const std::string& site_url,
                  const std::vector<std::string>& login_url_patterns);

// Creates dir and any missing parent with mode 0700 (existing ones are left
// as they are). Throws std::runtime_error naming the dir.
void make_private_dirs(const std::string& dir);

// Writes content to path so that a reader sees either the old file or the
// whole new one: a temp file in the same dir with `mode`, fsync, rename over
// path, fsync of the dir. On failure nothing is left behind and the old file
// is untouched. Throws std::runtime_error naming the path (never the content).
void write_file_atomic(const std::string& path, const std::string& content, mode_t mode);

}  // namespace camoufleet::app
