// The shelf of warm spares every protocol shares (browser/warm_shelf.hpp).
#include "browser/warm_shelf.hpp"

#include <algorithm>
#include <iterator>

#include <spdlog/spdlog.h>

namespace camoufleet::browser {

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

struct warm_shelf::state {
  struct entry {
    std::uint64_t id = 0;
    std::unique_ptr<warm_browser> warm;
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

warm_shelf::warm_shelf(launch_fn launch, adopt_fn adopt)
    : launch_one_(std::move(launch)), adopt_one_(std::move(adopt)), state_(std::make_shared<state>()) {}

warm_shelf::~warm_shelf() { close(); }

void warm_shelf::on_events(up_callback on_up, down_callback on_down) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->on_up = std::move(on_up);
  state_->on_down = std::move(on_down);
}

void warm_shelf::launch(std::uint64_t id) {
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

void warm_shelf::run_launch(std::uint64_t id) {
  const std::string name = "spare_" + std::to_string(id);
  std::vector<state::entry> dead;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    dead = state_->take_dead();  // destroyed here, on a thread of ours
  }
  dead.clear();
  std::unique_ptr<warm_browser> warm;
  try {
    warm = launch_one_(name);
  } catch (const std::exception& e) {
    spdlog::warn("{}: spare browser failed to start: {}", name, e.what());
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->closed && state_->on_down) state_->on_down(id, e.what());
    return;
  }
  const int pid = warm->pid();
  // Listening before the spare is on the shelf: once it is, a session may
  // take it and listen itself, which a later listen here would undo.
  std::weak_ptr<state> weak = state_;
  warm->router->listen([weak, id, name](const std::string& reason) {
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
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    // Gone before it got here: the listener found no entry; say it now.
    if (!state_->closed && warm->router->gone()) {
      if (state_->on_down) state_->on_down(id, "the spare browser went away right after its start");
    } else if (!state_->closed) {
      state_->entries.push_back({id, std::move(warm), pid, false});
      if (state_->on_up) state_->on_up(id, pid);
    }
  }
  if (!warm) spdlog::info("{}: spare browser up pid={}", name, pid);
  // Otherwise closed while it launched, or already gone: stopped right here.
}

std::unique_ptr<warm_browser> warm_shelf::take(std::uint64_t id) {
  std::unique_ptr<warm_browser> out;
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

void warm_shelf::close() {
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

std::unique_ptr<session> warm_shelf::adopt(std::uint64_t id, const session_options& options,
                                           exit_callback on_exit) {
  auto warm = take(id);
  if (!warm) return nullptr;
  return adopt_one_(std::move(warm), options, std::move(on_exit));
}

std::vector<int> warm_shelf::pids() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::vector<int> out;
  for (const auto& e : state_->entries)
    if (!e.dead) out.push_back(e.pid);
  return out;
}

}  // namespace camoufleet::browser
