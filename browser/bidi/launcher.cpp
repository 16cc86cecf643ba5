#include "browser/bidi/launcher.hpp"

#include <sys/stat.h>

#include <boost/filesystem.hpp>
#include <spdlog/spdlog.h>

#include "browser/channel_framing.hpp"

namespace camoufleet::bidi {

namespace fs = boost::filesystem;
using core::driver_error;
using core::failure_kind;
using namespace std::chrono_literals;

std::string bidi_endpoint_from_line(const std::string& line) {
  return browser::ws_url_after(line, "WebDriver BiDi listening on ");
}

bool is_loopback_endpoint(const std::string& ws_url) {
  try {
    auto parts = browser::parse_ws_url(ws_url);
    return parts.host == "127.0.0.1" || parts.host == "localhost" || parts.host == "::1";
  } catch (const driver_error&) {
    return false;
  }
}

std::vector<std::string> firefox_args(const firefox_options& options, const std::string& profile_dir) {
  std::vector<std::string> args;
  if (options.display == browser::display_mode::headless) args.push_back("-headless");
  // Port 0: the browser picks a free one and prints it; nothing to race for.
  args.insert(args.end(), {"-no-remote", "-profile", profile_dir, "--remote-debugging-port", "0"});
  for (const auto& a : options.extra_args) args.push_back(a);
  return args;
}

env_list firefox_env(const firefox_options& options, const std::string& config_json) {
  env_list env;
  if (options.display == browser::display_mode::headless) env.emplace_back("MOZ_HEADLESS", "1");
  if (options.display == browser::display_mode::virtual_display && !options.x_display.empty()) {
    env.emplace_back("DISPLAY", options.x_display);
  }
  if (!config_json.empty()) {
    for (auto& kv : camou_config_env(config_json)) env.push_back(std::move(kv));
  }
  return env;
}

namespace {

const char* kind_name(firefox_kind k) { return k == firefox_kind::camoufox ? "camoufox" : "firefox"; }

// The profile dir launch() will use, and whether it is ours to remove.
std::pair<std::string, bool> prepare_profile(const firefox_options& options, const std::string& tag) {
  if (options.profile_dir.empty()) {
    fs::path root = options.profile_root.empty() ? fs::temp_directory_path() : fs::path(options.profile_root);
    boost::system::error_code ec;
    fs::create_directories(root, ec);
    return {browser::make_profile_dir(root.string(), tag), true};
  }
  boost::system::error_code ec;
  fs::create_directories(options.profile_dir, ec);
  if (::chmod(options.profile_dir.c_str(), 0700) != 0) {
    throw driver_error(failure_kind::browser_gone, tag + ": cannot make " + options.profile_dir + " private");
  }
  if (remove_stale_lock(options.profile_dir)) {
    spdlog::info("{}: removed a stale lock from {}", tag, options.profile_dir);
  }
  return {options.profile_dir, false};
}

}  // namespace

std::unique_ptr<firefox_process> firefox_process::launch(const firefox_options& options,
                                                         exit_callback on_exit) {
  const std::string tag = options.instance_id.empty() ? "browser" : options.instance_id;
  const char* name = kind_name(options.kind);
  // A bad fingerprint is the profile's fault: say so before starting anything.
  std::string config_json;
  if (options.kind == firefox_kind::camoufox && !options.fingerprint_file.empty()) {
    config_json = read_fingerprint(options.fingerprint_file);
  }

  auto [dir, owns_dir] = prepare_profile(options, tag);
  auto drop_dir = [d = dir, own = owns_dir] {
    if (own) browser::remove_dir(d);
  };
  try {
    pref_list prefs = default_prefs(options.display == browser::display_mode::virtual_display);
    prefs.insert(prefs.end(), options.extra_prefs.begin(), options.extra_prefs.end());
    write_user_js(dir, prefs);
  } catch (...) {
    drop_dir();
    throw;
  }

  browser::owned_child::spec sp;
  sp.path = options.browser_path;
  sp.args = firefox_args(options, dir);
  sp.env = firefox_env(options, config_json);
  browser::endpoint_scan scan;
  scan.endpoint_in = bidi_endpoint_from_line;
  browser::started_child started;
  try {
    started = browser::spawn_until_endpoint(std::move(sp), scan,
                                            std::chrono::steady_clock::now() + options.start_timeout,
                                            std::move(on_exit));
  } catch (...) {
    drop_dir();
    throw;
  }
  auto& child = started.child;
  const std::string& endpoint = started.endpoint;

  auto fail = [&](failure_kind kind, const std::string& why) -> driver_error {
    std::string tail = browser::join_tail(child->stderr_tail());
    child->terminate(2s);
    child.reset();
    drop_dir();
    return driver_error(kind, tag + ": " + name + " " + why + (tail.empty() ? "" : ": " + tail));
  };
  if (started.exited) throw fail(failure_kind::browser_gone, started.exit.text + " during start");
  if (endpoint.empty()) {
    if (started.stderr_closed) throw fail(failure_kind::browser_gone, "closed its stderr before BiDi came up");
    throw fail(failure_kind::timeout,
               "WebDriver BiDi did not come up in " + std::to_string(options.start_timeout.count()) + " ms");
  }
  if (!is_loopback_endpoint(endpoint)) throw fail(failure_kind::browser_gone, "listens off loopback: " + endpoint);
  started.hand_over_exits();
  if (!child->running()) {
    throw fail(failure_kind::browser_gone, child->exit_status().text + " right after start");
  }

  std::unique_ptr<firefox_process> fp(new firefox_process());
  fp->child_ = std::move(child);
  fp->ws_endpoint_ = endpoint;
  fp->profile_dir_ = dir;
  fp->owns_dir_ = owns_dir;
  fp->tag_ = tag;
  spdlog::info("{}: {} up, pid {}, {}", tag, name, fp->child_->pid(), endpoint);
  return fp;
}

firefox_process::~firefox_process() {
  if (child_) {
    if (child_->running()) spdlog::info("{}: stopping the browser ({})", tag_, child_->terminate(2s).text);
    child_.reset();
  }
  if (owns_dir_) browser::remove_dir(profile_dir_);
}

}  // namespace camoufleet::bidi
