// Chromium: its arguments, its DevTools endpoint (stderr line, or
// /json/version when stderr is not ours), the launch with the next port when
// one is taken, and the owned process afterwards.
#include "browser/browser_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <boost/filesystem.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "browser/port_picker.hpp"

namespace camoufleet::browser {

namespace fs = boost::filesystem;
using namespace std::chrono_literals;

std::string devtools_endpoint_from_line(const std::string& line) {
  // A literal, not a static std::string: the detached stderr drain thread
  // calls this and may still run while static destructors do at exit.
  return ws_url_after(line, "DevTools listening on ");
}

std::vector<std::string> chromium_args(const browser_options& options, int port,
                                       const std::string& profile_dir) {
  std::vector<std::string> args;
  if (options.display == display_mode::headless) args.push_back("--headless=new");
  args.insert(args.end(), {
      "--no-sandbox",  // we run as root in containers
      "--disable-gpu",
      "--remote-debugging-port=" + std::to_string(port),
      "--remote-debugging-address=127.0.0.1",  // DevTools is full control: loopback only
      "--user-data-dir=" + profile_dir,
      "--no-first-run",
      // Without these it keeps calling Google and gets refused offline.
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      "--no-default-browser-check",
      "--disable-crash-reporter",
      "--disable-breakpad",
      // Memory (bench P5): no omnibox-popup WebUI renderers preloaded per
      // window (two per tab, ~25 MB each, never shown), no spare renderer
      // kept warm.
      "--disable-features=PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxAimPopup,"
      "WebUIOmniboxFullPopup,SpareRendererForSitePerProcess",
      // The network service in the browser process instead of its own
      // (~15 MB PSS per browser, bench P5). Chromium 156 knows only the
      // "2" name; the older NetworkServiceInProcess was silently ignored.
      "--enable-features=NetworkServiceInProcess2",
  });
  // A desktop window: web apps leave whole panels out below a desktop width
  // (headless Chromium's default is 800x600). A caller's size wins.
  const bool sized = std::any_of(options.extra_args.begin(), options.extra_args.end(),
                                 [](const std::string& a) { return a.rfind("--window-size=", 0) == 0; });
  if (!sized) args.push_back("--window-size=1440,900");
  for (const auto& a : options.extra_args) args.push_back(a);
  // Headless: no first tab — sessions open their own, and an unused
  // about:blank tab costs a renderer (~18 MB PSS, bench P5); headless
  // Chromium keeps running with no tab. A visible browser keeps its first
  // window, so that it never finds itself with none and quits.
  args.push_back(options.display == display_mode::headless ? "--no-startup-window" : "about:blank");
  return args;
}

namespace {

// GET /json/version on loopback; "" when it does not answer.
std::string endpoint_from_json_version(int port, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  timeval tv{};
  tv.tv_sec = static_cast<long>(timeout.count() / 1000);
  tv.tv_usec = static_cast<long>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    // HTTP/1.0 gets an empty reply from Chromium, and it keeps 1.1
    // connections open: read exactly Content-Length.
    std::string req = "GET /json/version HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                      "\r\nConnection: close\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while (response.size() < 65536 && (n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
        response.append(buf, static_cast<std::size_t>(n));
        auto head_end = response.find("\r\n\r\n");
        if (head_end == std::string::npos) continue;
        std::string head = response.substr(0, head_end);
        for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        auto cl = head.find("content-length:");
        if (cl == std::string::npos) continue;
        std::size_t want = std::strtoul(head.c_str() + cl + 15, nullptr, 10);
        if (response.size() >= head_end + 4 + want) break;
      }
    }
  }
  ::close(fd);
  auto body = response.find("\r\n\r\n");
  if (body == std::string::npos) return {};
  auto j = nlohmann::json::parse(response.substr(body + 4), nullptr, false);
  if (!j.is_object() || !j.contains("webSocketDebuggerUrl") || !j["webSocketDebuggerUrl"].is_string()) return {};
  return j["webSocketDebuggerUrl"].get<std::string>();
}

}  // namespace
std::unique_ptr<browser_process> browser_process::launch(const browser_options& options,
                                                         exit_callback on_exit) {
  const std::string tag = options.instance_id.empty() ? "browser" : options.instance_id;
  fs::path root = options.profile_root.empty() ? fs::temp_directory_path() : fs::path(options.profile_root);
  {
    boost::system::error_code ec;
    fs::create_directories(root, ec);
  }

  const auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  int next_port = options.base_port;
  for (int attempt = 0; attempt < std::max(1, options.port_attempts); ++attempt) {
    int port = find_free_port(next_port, std::max(1, options.port_attempts - attempt));
    if (port == 0) break;

    std::string dir = make_profile_dir(root.string(), tag);
    owned_child::spec sp;
    sp.path = options.browser_path;
    sp.args = chromium_args(options, port, dir);
    if (options.display == display_mode::virtual_display && !options.x_display.empty()) {
      sp.env.emplace_back("DISPLAY", options.x_display);
    }
    endpoint_scan scan;
    scan.endpoint_in = devtools_endpoint_from_line;
    scan.port_busy_in = [](const std::string& line) {
      return line.find("bind() failed") != std::string::npos ||
             line.find("Cannot start http server for devtools") != std::string::npos;
    };
    scan.probe = [port] { return endpoint_from_json_version(port, 500ms); };

    started_child started;
    try {
      started = spawn_until_endpoint(std::move(sp), scan, deadline, on_exit);
    } catch (...) {
      remove_dir(dir);
      throw;
    }
    auto& child = started.child;
    const std::string& endpoint = started.endpoint;
    bool busy = started.port_busy;
    const bool exited = started.exited;

    // Chromium falls back to [::1] when 127.0.0.1:port is taken: another
    // process beat us to the port.
    if (!endpoint.empty() && endpoint.rfind("ws://127.0.0.1:", 0) != 0) busy = true;

    if (busy && !exited) {
      spdlog::info("{}: DevTools port {} was taken, trying the next one", tag, port);
      child->terminate(2s);
      child.reset();
      remove_dir(dir);
      next_port = port + 1;
      continue;
    }
    if (!endpoint.empty() && !exited) {
      std::unique_ptr<browser_process> bp(new browser_process());
      started.hand_over_exits();
      // It may have died between the line and now: report that instead.
      if (!child->running()) {
        auto info = child->exit_status();
        child.reset();
        remove_dir(dir);
        throw driver_error(failure_kind::browser_gone, tag + ": chromium " + info.text + " right after start");
      }
      bp->child_ = std::move(child);
      bp->port_ = port;
      bp->ws_endpoint_ = endpoint;
      bp->profile_dir_ = dir;
      bp->instance_id_ = tag;
      spdlog::info("{}: chromium up, pid {}, DevTools port {}", tag, bp->pid(), port);
      return bp;
    }

    std::string tail = join_tail(child->stderr_tail());
    if (exited) {
      child.reset();
      remove_dir(dir);
      throw driver_error(failure_kind::browser_gone,
                         tag + ": chromium " + started.exit.text + " during start" + (tail.empty() ? "" : ": " + tail));
    }
    child->terminate(2s);
    child.reset();
    remove_dir(dir);
    throw driver_error(failure_kind::timeout, tag + ": DevTools did not come up in " +
                                                  std::to_string(options.start_timeout.count()) + " ms" +
                                                  (tail.empty() ? "" : ": " + tail));
  }
  throw driver_error(failure_kind::browser_gone,
                     tag + ": no free DevTools port from " + std::to_string(options.base_port));
}

browser_process::~browser_process() {
  if (child_) {
    if (child_->running()) terminate(2s);
    child_.reset();
  }
  remove_dir(profile_dir_);
}

int browser_process::pid() const { return child_ ? child_->pid() : 0; }

bool browser_process::running() const { return child_ && child_->running(); }

exit_info browser_process::terminate(std::chrono::milliseconds grace) {
  if (!child_) return {};
  bool was_running = child_->running();
  exit_info info = child_->terminate(grace);
  if (was_running) spdlog::info("{}: chromium stopped ({})", instance_id_, info.text);
  return info;
}

bool browser_process::wait_for_exit(std::chrono::milliseconds timeout) const {
  return !child_ || child_->wait_for_exit(timeout);
}

std::vector<std::string> browser_process::stderr_tail() const {
  return child_ ? child_->stderr_tail() : std::vector<std::string>{};
}

}  // namespace camoufleet::browser

