// Warm spare Chromium: the launch of one spare (warm_chromium), the router
// of its exit news, the shelf that keeps spares until a session adopts one
// (browser/spares.hpp), and that adoption.
#include "browser/cdp/warm_chromium.hpp"

#include <algorithm>
#include <iterator>

#include <spdlog/spdlog.h>

#include "browser/browser_process.hpp"
#include "browser/cdp/chromium_session.hpp"
#include "browser/cdp/chromium_link.hpp"
#include "browser/cdp/connection.hpp"
#include "browser/io_thread.hpp"

namespace camoufleet::browser::cdp {

using nlohmann::json;
using std::chrono::milliseconds;
using clock_type = std::chrono::steady_clock;

// ---- exit_router -------------------------------------------------------------

void exit_router::report(const std::string& reason) {
  listener l;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (gone_) return;
    gone_ = true;
    reason_ = reason;
    l = listener_;
  }
  if (l) l(reason);
}

void exit_router::listen(listener l) {
  std::string why;
  {
    std::lock_guard<std::mutex> lock(mu_);
    listener_ = l;
    if (!gone_) return;
    why = reason_;
  }
  if (l) l(why);
}

bool exit_router::gone() const {
  std::lock_guard<std::mutex> lock(mu_);
  return gone_;
}

// ---- warm_chromium -----------------------------------------------------------

std::unique_ptr<warm_chromium> warm_chromium::launch(const std::string& name,
                                                     const session_options& base,
                                                     milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  auto left = [deadline] {
    return std::max(std::chrono::duration_cast<milliseconds>(deadline - clock_type::now()), milliseconds(1));
  };
  session_options o = base;
  o.instance_id = name;
  auto w = std::make_unique<warm_chromium>();
  std::shared_ptr<exit_router> router = w->router;
  chromium_link link = launch_and_connect(launch_options_of(o), deadline,
                                          [router](const std::string& what) { router->report(what); });
  w->display = std::move(link.display);
  w->io = std::move(link.io);
  w->browser = std::move(link.browser);
  w->conn = std::move(link.conn);
  // The tab the adopting session drives: one CDP round trip less after a crash.
  json t = w->conn->call("Target.createTarget", {{"url", "about:blank"}}, "", left());
  w->target_id = t.value("targetId", std::string());
  return w;
}

warm_chromium::~warm_chromium() {
  if (!conn && !browser && !io && !display) return;  // adopted: the session owns it all now
  router->listen({});                    // our own close is nobody's news
  shut_down_chromium(conn, browser, io, milliseconds(2000), true);
}

std::unique_ptr<session> adopt_chromium_session(std::unique_ptr<warm_chromium> warm,
                                                const session_options& options,
                                                exit_callback on_exit) {
  return std::make_unique<chromium_session>(options, std::move(on_exit), std::move(warm));
}

struct chromium_spare_shelf::state {
  struct entry {
    std::uint64_t id = 0;
    std::unique_ptr<warm_chromium> warm;
    int pid = 0;
    bool dead = false;
  };
  std::mutex mu;
  bool closed = false;
  up_callback on_up;
  down_callback on_down;
  std::vector<entry> entries;

  // Entries whose browser died, moved out to be destroyed by the caller
  // (never on a browser's own thread). Caller holds mu.
  std::vector<entry> take_dead() {
    std::vector<entry> out;
    auto keep = std::partition(entries.begin(), entries.end(), [](const entry& e) { return !e.dead; });
    std::move(keep, entries.end(), std::back_inserter(out));
    entries.erase(keep, entries.end());
    return out;
  }
};

chromium_spare_shelf::chromium_spare_shelf(session_options base)
    : base_(std::move(base)), state_(std::make_shared<state>()) {}

chromium_spare_shelf::~chromium_spare_shelf() { close(); }

void chromium_spare_shelf::on_events(up_callback on_up, down_callback on_down) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->on_up = std::move(on_up);
  state_->on_down = std::move(on_down);
}

void chromium_spare_shelf::launch(std::uint64_t id) {
  std::vector<std::thread> finished;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->closed) return;
    for (auto it = launchers_.begin(); it != launchers_.end();) {
      if (*it->done) {
        finished.push_back(std::move(it->thread));
        it = launchers_.erase(it);
      } else {
        ++it;
      }
    }
    auto done = std::make_shared<bool>(false);
    launchers_.push_back({std::thread([this, id, done] {
                            run_launch(id);
                            std::lock_guard<std::mutex> l(state_->mu);
                            *done = true;
                          }),
                          done});
  }
  for (auto& t : finished) t.join();  // already at their end: no wait
}

void chromium_spare_shelf::run_launch(std::uint64_t id) {
  const std::string name = "spare_" + std::to_string(id);
  std::vector<state::entry> dead;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    dead = state_->take_dead();  // destroyed here, on a thread of ours
  }
  dead.clear();
  std::unique_ptr<warm_chromium> warm;
  try {
    warm = warm_chromium::launch(name, base_, base_.start_timeout);
  } catch (const std::exception& e) {
    spdlog::warn("{}: spare browser failed to start: {}", name, e.what());
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->closed && state_->on_down) state_->on_down(id, e.what());
    return;
  }
  const int pid = warm->browser->pid();
  auto router = warm->router;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->closed) {
      state_->entries.push_back({id, std::move(warm), pid, false});
      if (state_->on_up) state_->on_up(id, pid);
    }
  }
  if (warm) return;  // closed while it launched: it is stopped right here
  spdlog::info("{}: spare browser up pid={}", name, pid);
  std::weak_ptr<state> weak = state_;
  router->listen([weak, id, name](const std::string& reason) {
    auto s = weak.lock();
    if (!s) return;
    std::lock_guard<std::mutex> lock(s->mu);
    for (auto& e : s->entries) {
      if (e.id != id || e.dead) continue;
      e.dead = true;
      spdlog::warn("{}: spare browser gone: {}", name, reason);
      if (!s->closed && s->on_down) s->on_down(id, reason);
    }
  });
}

std::unique_ptr<warm_chromium> chromium_spare_shelf::take(std::uint64_t id) {
  std::unique_ptr<warm_chromium> out;
  std::vector<state::entry> dead;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    dead = state_->take_dead();
    for (auto it = state_->entries.begin(); it != state_->entries.end(); ++it) {
      if (it->id != id) continue;
      out = std::move(it->warm);
      state_->entries.erase(it);
      break;
    }
  }
  return out;
}

void chromium_spare_shelf::close() {
  std::vector<state::entry> all;
  std::vector<launcher> launchers;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->closed = true;
    all.swap(state_->entries);
    launchers.swap(launchers_);
  }
  for (auto& l : launchers)
    if (l.thread.joinable()) l.thread.join();
  if (!all.empty()) spdlog::info("Stopping {} spare browser(s)", all.size());
  all.clear();  // each closes its browser
}

std::vector<int> chromium_spare_shelf::pids() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::vector<int> out;
  for (const auto& e : state_->entries)
    if (!e.dead) out.push_back(e.pid);
  return out;
}

}  // namespace camoufleet::browser::cdp

namespace camoufleet::browser {

std::shared_ptr<spare_shelf> make_spare_shelf(session_options base) {
  return std::make_shared<cdp::chromium_spare_shelf>(std::move(base));
}

}  // namespace camoufleet::browser
