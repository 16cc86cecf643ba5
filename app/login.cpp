#include "app/login.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "actors/profile_file.hpp"
#include "browser/browser_process.hpp"
#include "browser/login_window.hpp"
#include "browser/storage_state.hpp"
#include "core/chat.hpp"
#include "site/local_storage.hpp"
#include "site/page_scripts.hpp"
#include "site/site_profile.hpp"

namespace camoufleet::app {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

// Splits "scheme://authority/path?query#fragment"; false when not http(s).
bool split_url(const std::string& url, std::string& origin, std::string& path) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return false;
  std::string scheme = url.substr(0, scheme_end);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return false;
  auto rest_start = scheme_end + 3;
  auto auth_end = url.find_first_of("/?#", rest_start);
  std::string authority = url.substr(rest_start, auth_end == std::string::npos
                                                     ? std::string::npos
                                                     : auth_end - rest_start);
  if (authority.empty()) return false;
  for (char& c : authority) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  origin = scheme + "://" + authority;
  path.clear();
  if (auth_end != std::string::npos && url[auth_end] == '/') {
    auto path_end = url.find_first_of("?#", auth_end);
    path = url.substr(auth_end, path_end == std::string::npos ? std::string::npos
                                                              : path_end - auth_end);
  }
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty()) path = "/";
  return true;
}

std::string errno_text(int err) { return std::strerror(err); }

std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// Fails before the user spends minutes signing in when the profile could not
// be written anyway: the dir, or its nearest existing ancestor, must be writable.
void check_writable(const std::string& dir, const char* flag) {
  std::string d = dir;
  struct stat sb {};
  while (::stat(d.c_str(), &sb) != 0) {
    if (errno != ENOENT) throw std::runtime_error(std::string(flag) + " " + dir + ": " + errno_text(errno));
    std::string up = parent_dir(d);
    if (up == d) break;
    d = up;
  }
  if (!S_ISDIR(sb.st_mode))
    throw std::runtime_error(std::string(flag) + " " + dir + ": " + d + " is not a directory");
  if (::access(d.c_str(), W_OK | X_OK) != 0)
    throw std::runtime_error(std::string(flag) + " " + dir + ": " + d + " is not writable");
}

browser::display_mode to_cdp(config::display_mode m) {
  switch (m) {
    case config::display_mode::visible: return browser::display_mode::visible;
    case config::display_mode::virtual_display: return browser::display_mode::virtual_display;
    case config::display_mode::headless: break;
  }
  return browser::display_mode::headless;
}

// Sleeps up to `wait` unless SIGINT/SIGTERM arrives (main() blocks both, so
// they queue for us instead of killing the process and leaving the browser's
// profile dir behind). Returns the signal or 0.
int wait_for_signal(milliseconds wait) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(wait.count() / 1000);
  ts.tv_nsec = static_cast<long>((wait.count() % 1000) * 1000000);
  int sig = ::sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

struct signed_in_tab {
  std::string tab_id;
};

struct login_failure : std::runtime_error {
  login_failure(int code, const std::string& what) : std::runtime_error(what), exit_code(code) {}
  int exit_code;
};

// Waits for the chat page in any tab (the user may open a new one or close
// ours). Returns that tab.
signed_in_tab wait_for_sign_in(browser::login_window& w, const config::settings& s,
                               const site::site_profile& site, clock_type::time_point deadline) {
  const json look_args = {{"ready", site.selectors.ready}};
  const std::string want_origin = url_origin(s.site_url);
  const std::string want_path = url_path(s.site_url);
  const milliseconds poll = std::max(site.timeouts.poll_interval, milliseconds(200));
  std::string last_seen;  // origin + path only: queries may carry tokens

  for (;;) {
    if (!w.alive()) throw login_failure(1, "the browser closed before the sign-in finished");
    try {
      for (const auto& t : w.tabs(milliseconds(5000))) {
        if (url_origin(t.url).empty()) continue;
        const std::string seen = url_origin(t.url) + url_path(t.url);
        if (seen != last_seen) spdlog::debug("login: a tab shows {}", seen);
        last_seen = seen;
        if (url_origin(t.url) != want_origin || url_path(t.url) != want_path) continue;
        json v = w.call(t.id, site::script("look").source, look_args, milliseconds(5000));
        page_look look;
        if (v.is_object()) {
          look.url = v.value("url", std::string());
          look.ready = v.value("ready", false);
        }
        if (is_signed_in(look, s.site_url, site.login_url_patterns)) return {t.id};
      }
    } catch (const core::driver_error& e) {
      // A page in the middle of a navigation, a tab closed under us: look again.
      spdlog::debug("login: page not ready yet: {}", e.what());
    }
    auto now = clock_type::now();
    if (now >= deadline) {
      throw login_failure(
          1, "no sign-in within " + std::to_string(s.login_timeout.count()) +
                 " s: the browser never showed the chat page " + want_origin + want_path +
                 (last_seen.empty() ? std::string() : " (last page seen: " + last_seen + ")") +
                 "; nothing was saved. Run it again, and sign in within --timeout");
    }
    auto left = std::chrono::duration_cast<milliseconds>(deadline - now);
    if (int sig = wait_for_signal(std::min(poll, left)))
      throw login_failure(130, std::string("interrupted by ") +
                                   (sig == SIGINT ? "SIGINT" : "SIGTERM") + "; nothing was saved");
  }
}

browser::storage_state read_session(browser::login_window& w, const signed_in_tab& tab) {
  browser::storage_state st;
  st.cookies = w.cookies(milliseconds(10000));
  if (auto o = site::origin_storage_from(
          w.call(tab.tab_id, site::script("local_storage").source, nullptr, milliseconds(10000))))
    st.origins.push_back(std::move(*o));
  return st;
}

int login(const config::settings& s, const std::string& x_display) {
  const site::site_profile site = site::load_site_profile(s.site_file);
  const std::string saved_path = join(s.saved_dir, s.login_save_as + ".json");
  const std::string active_path = join(s.auth_dir, s.login_save_as + ".json");
  check_writable(s.saved_dir, "--saved-dir");
  if (s.login_activate) check_writable(s.auth_dir, "--auth-dir");

  // Nobody can sign in to a window that cannot open: say so before the
  // browser fails with an X error in its stderr.
  auto unset = [](const char* name) {
    const char* v = std::getenv(name);
    return !v || !*v;
  };
  if (s.display == config::display_mode::visible && unset("DISPLAY") && unset("WAYLAND_DISPLAY"))
    throw login_failure(1, "no display to open the browser window on (DISPLAY is not set): run it "
                           "on a desktop session, or use --virtual-display and sign in through "
                           "the printed DevTools endpoint; nothing was saved");

  browser::browser_options bo;
  bo.instance_id = "login";
  bo.browser_path = s.browser;
  bo.display = to_cdp(s.display);
  bo.x_display = x_display;
  bo.base_port = s.base_port;
  bo.profile_root = s.profile_root;
  const bool cdp = s.kind == config::browser_kind::chromium;
  const auto kind = cdp ? browser::browser_kind::chromium
                        : s.kind == config::browser_kind::camoufox ? browser::browser_kind::camoufox
                                                                   : browser::browser_kind::firefox;
  // Firefox answers its first BiDi session only once its whole startup is
  // done: ~10-30 s on a busy machine.
  std::unique_ptr<browser::login_window> w =
      browser::launch_login_window(kind, bo, milliseconds(cdp ? 15000 : 90000));

  // Tests and scripts read these two lines (a second client may drive the
  // same browser: over BiDi between two looks of ours, as Firefox takes one
  // session at a time; the pid lets them check it is gone afterwards).
  std::cout << (cdp ? "DevTools: " : "WebDriver BiDi: ") << w->endpoint() << "\n"
            << "Browser pid: " << w->pid() << std::endl;

  // A slow or failed first load is not fatal: the user can still reach the
  // page by hand in the window, and the wait below is what decides.
  try {
    w->open(s.site_url, std::max(site.timeouts.navigation, milliseconds(1000)));
  } catch (const core::driver_error& e) {
    if (!w->alive()) throw;
    spdlog::warn("login: opening {}: {} (you can still navigate in the window)",
                 url_origin(s.site_url) + url_path(s.site_url), e.what());
  }

  const auto deadline = clock_type::now() + s.login_timeout;
  std::cout << "Sign in in the browser window; waiting up to " << s.login_timeout.count()
            << " s for the chat page (" << url_origin(s.site_url) + url_path(s.site_url)
            << ")..." << std::endl;

  signed_in_tab tab = wait_for_sign_in(*w, s, site, deadline);
  browser::storage_state st = read_session(*w, tab);
  w->close();

  if (st.cookies.empty())
    throw login_failure(1, "the chat page was reached but the browser holds no cookies; nothing was saved");
  const std::string text = browser::to_storage_state_json(st);
  // What we write must load back as a profile; a failure here is our bug.
  browser::parse_storage_state(text, saved_path);

  make_private_dirs(s.saved_dir);
  struct stat before {};
  const bool replaced = ::stat(saved_path.c_str(), &before) == 0;
  write_file_atomic(saved_path, text, 0600);
  std::size_t entries = 0;
  for (const auto& o : st.origins) entries += o.local_storage.size();
  std::cout << "Saved profile " << s.login_save_as << " to " << saved_path << " ("
            << st.cookies.size() << " cookies, " << entries
            << " localStorage entries; mode 0600, keep it secret)"
            << (replaced ? "; the previous file was replaced" : "") << std::endl;
  if (s.login_activate) {
    make_private_dirs(s.auth_dir);
    write_file_atomic(active_path, text, 0600);
    std::cout << "Activated: copied to " << active_path << " (served from --auth-dir)" << std::endl;
  } else {
    std::cout << "To serve it, copy it into " << s.auth_dir << "/ (or run login again with --activate)"
              << std::endl;
  }
  return 0;
}

}  // namespace

std::string url_origin(const std::string& url) {
  std::string origin, path;
  return split_url(url, origin, path) ? origin : std::string();
}

std::string url_path(const std::string& url) {
  std::string origin, path;
  return split_url(url, origin, path) ? path : std::string();
}

bool is_signed_in(const page_look& look, const std::string& site_url,
                  const std::vector<std::string>& login_url_patterns) {
  if (!look.ready) return false;
  const std::string origin = url_origin(look.url);
  if (origin.empty() || origin != url_origin(site_url)) return false;
  if (url_path(look.url) != url_path(site_url)) return false;
  for (const auto& p : login_url_patterns)
    if (!p.empty() && look.url.find(p) != std::string::npos) return false;
  return true;
}

void make_private_dirs(const std::string& dir) {
  if (dir.empty()) throw std::runtime_error("empty directory name");
  std::string prefix;
  std::size_t pos = 0;
  while (pos <= dir.size()) {
    auto slash = dir.find('/', pos);
    if (slash == std::string::npos) slash = dir.size();
    prefix = dir.substr(0, slash);
    pos = slash + 1;
    if (prefix.empty() || prefix == "." || prefix == "..") continue;
    if (::mkdir(prefix.c_str(), 0700) != 0) {
      int err = errno;
      struct stat sb {};
      if (err != EEXIST || ::stat(prefix.c_str(), &sb) != 0 || !S_ISDIR(sb.st_mode))
        throw std::runtime_error("cannot create directory " + prefix + ": " + errno_text(err));
    }
  }
}

void write_file_atomic(const std::string& path, const std::string& content, mode_t mode) {
  // The one atomic writer (actors/profile_file.*) writes 0600.
  const std::string err = camoufleet::write_file_atomic(path, content);
  if (!err.empty()) throw std::runtime_error("cannot write " + path + ": " + err);
  if (mode != 0600 && ::chmod(path.c_str(), mode) != 0)
    throw std::runtime_error("cannot write " + path + ": chmod: " + errno_text(errno));
}

int run_login(const config::settings& s, const std::string& x_display) {
  try {
    return login(s, x_display);
  } catch (const login_failure& e) {
    std::cerr << "error: login: " << e.what() << std::endl;
    return e.exit_code;
  } catch (const std::exception& e) {
    std::cerr << "error: login: " << e.what() << "; nothing was saved unless said above" << std::endl;
    return 1;
  } catch (...) {
    std::cerr << "error: login: unexpected failure" << std::endl;
    return 1;
  }
}

}  // namespace camoufleet::app
